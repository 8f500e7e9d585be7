// What interface tracking reads: the rows of the kernel's link and address
// tables and the source that dumps them and reports changes. netlink.ts derives
// the interface state from them; rtnetlink.ts is the real source, tests inject
// their own.

export interface LinkRow {
  readonly name: string;
  readonly index: number;
  readonly up: boolean;
}

export interface AddressRow {
  readonly index: number;
  readonly family: 4 | 6;
  readonly bytes: Uint8Array;
  /** False while duplicate address detection runs (tentative) or after it failed. */
  readonly usable: boolean;
}

/** Where the tables and the change notifications come from; rtnetlink unless a test injects one. */
export interface LinkSource {
  /** `onEvent` for every change (or sign of lost changes); `onError` for socket errors. */
  subscribe(onEvent: () => void, onError: (err: Error) => void): void;
  dump(): Promise<{ readonly links: readonly LinkRow[]; readonly addresses: readonly AddressRow[] }>;
  close(): void;
}
