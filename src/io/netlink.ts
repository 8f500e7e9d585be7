// Interface tracking from rtnetlink events (src/io/rtnetlink.ts): index, up/down, the
// client interface's IPv4 address and the server interface's usable IPv6
// link-local address. Any link or address event triggers one debounced re-read
// of the (small) link and address tables, so NEW/DEL ordering never matters
// and nothing polls; a failed or unanswered re-read is retried with backoff.

import type { AddressRow, LinkRow, LinkSource } from './link-source';
import { openRtnetlinkSource } from './rtnetlink';

// The rows and the source are shared with rtnetlink.ts; named here too for the watcher's users.
export type { AddressRow, LinkRow, LinkSource } from './link-source';

export interface InterfaceState {
  readonly name: string;
  readonly ifindex: number | undefined;
  readonly up: boolean;
  /** First IPv4 address, dotted. */
  readonly ipv4: string | undefined;
  /** A link-local IPv6 address that finished duplicate address detection. */
  readonly linkLocal: string | undefined;
}

export interface InterfaceWatcher {
  current(name: string): InterfaceState;
  close(): void;
}

export interface WatchTiming {
  readonly debounceMs: number;
  readonly retryFirstMs: number;
  readonly retryMaxMs: number;
}

const DEFAULT_TIMING: WatchTiming = { debounceMs: 30, retryFirstMs: 1_000, retryMaxMs: 30_000 };

/** RFC 5952 text form: the longest run of two or more zero groups becomes "::". */
export function formatIpv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function absent(name: string): InterfaceState {
  return { name, ifindex: undefined, up: false, ipv4: undefined, linkLocal: undefined };
}

function sameState(a: InterfaceState, b: InterfaceState): boolean {
  return a.ifindex === b.ifindex && a.up === b.up && a.ipv4 === b.ipv4 && a.linkLocal === b.linkLocal;
}

function isLinkLocal(bytes: Uint8Array): boolean {
  return bytes.length === 16 && bytes[0] === 0xfe && ((bytes[1] ?? 0) & 0xc0) === 0x80;
}

/** The state of `name` in one consistent read of the tables. */
export function deriveState(name: string, links: readonly LinkRow[], addresses: readonly AddressRow[]): InterfaceState {
  const link = links.find((l) => l.name === name);
  if (link === undefined) return absent(name);
  const own = addresses.filter((a) => a.index === link.index);
  const v4 = own.find((a) => a.family === 4 && a.bytes.length === 4);
  const ll = own.find((a) => a.family === 6 && a.usable && isLinkLocal(a.bytes));
  return {
    name,
    ifindex: link.index,
    up: link.up,
    ipv4: v4 === undefined ? undefined : v4.bytes.join('.'),
    linkLocal: ll === undefined ? undefined : formatIpv6(ll.bytes),
  };
}

/**
 * Watches `names` and calls `onChange` with the new state of each interface
 * whose state changed (also once at start for every name).
 */
export function watchInterfaces(
  names: readonly string[],
  onChange: (state: InterfaceState) => void,
  onError: (err: Error) => void,
  source: LinkSource = openRtnetlinkSource(),
  timing: WatchTiming = DEFAULT_TIMING,
): InterfaceWatcher {
  const states = new Map<string, InterfaceState>();
  let timer: NodeJS.Timeout | undefined;
  let timerDelayMs = 0;
  let retryMs = timing.retryFirstMs;
  let running = false;
  let again = false;
  let closed = false;

  const publish = (next: InterfaceState): void => {
    const prev = states.get(next.name);
    states.set(next.name, next);
    if (prev === undefined || !sameState(prev, next)) onChange(next);
  };

  const resync = async (): Promise<void> => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        const { links, addresses } = await source.dump();
        if (closed) return;
        for (const name of names) publish(deriveState(name, links, addresses));
      } while (again && !closed);
      retryMs = timing.retryFirstMs;
    } catch (e) {
      if (closed) return;
      onError(e instanceof Error ? e : new Error(String(e)));
      // No event may follow to trigger another read, so the states would stay stale.
      schedule(retryMs);
      retryMs = Math.min(retryMs * 2, timing.retryMaxMs);
    } finally {
      running = false;
    }
  };

  // An event replaces a pending (longer) retry, so backoff never delays a change.
  const schedule = (delayMs = timing.debounceMs): void => {
    if (closed) return;
    if (timer !== undefined) {
      if (delayMs >= timerDelayMs) return;
      clearTimeout(timer);
    }
    timerDelayMs = delayMs;
    timer = setTimeout(() => {
      timer = undefined;
      void resync();
    }, delayMs);
  };

  source.subscribe(() => schedule(), (e) => {
    onError(e);
    schedule();
  });
  void resync();

  return {
    current: (name) => states.get(name) ?? absent(name),
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      source.close();
    },
  };
}
