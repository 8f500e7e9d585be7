// A socket bound to one interface that follows it as netlink reports it: closed
// when the interface goes away, goes down or comes back with another index, and
// opened again once it is usable, with a retry while opening fails. The daemon
// has two of these (the DHCP socket on the client interface, the mesh sockets on
// the server interface); only what each does with an interface state differs.

import type { Logger } from './log';
import type { InterfaceState } from './netlink';

/** A socket that failed to open (port 67 held by dnsmasq, say) is tried again this often. */
export const OPEN_RETRY_MS = 5_000;

export interface Closable {
  close(): void;
}

export interface InterfaceSocketSpec<S extends Closable> {
  /** Names the log lines: 'open-' + key is the key of the repeated "cannot open" line. */
  readonly key: string;
  /** What is opened, as the log says it: 'DHCP socket', 'mesh sockets'. */
  readonly noun: string;
  /** The line logged once it is open. */
  readonly openedLine: (name: string) => string;
  readonly open: (name: string) => Promise<S>;
  /** The interface as netlink last reported it: a retry and a finished open follow that. */
  readonly latest: (name: string) => InterfaceState | undefined;
  /** What the daemon does with every state it follows, after a stale socket is closed and before one is opened. */
  readonly onState: (state: InterfaceState, usable: boolean) => void;
  /** After an open, when the interface is still the one it was opened on. */
  readonly onOpened?: () => void;
  readonly log: Logger;
}

export class InterfaceSocket<S extends Closable> {
  private socket: S | undefined;
  private ifindex: number | undefined;
  private opening = false;
  /** Without a retry, only the next netlink change of that interface would try again. */
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly spec: InterfaceSocketSpec<S>) {}

  /** The open socket, if the interface is usable and opening it succeeded. */
  get current(): S | undefined {
    return this.socket;
  }

  follow(state: InterfaceState): void {
    const usable = state.ifindex !== undefined && state.up;
    if (this.socket !== undefined && (!usable || state.ifindex !== this.ifindex)) {
      this.socket.close();
      this.socket = undefined;
      this.ifindex = undefined;
    }
    this.spec.onState(state, usable);
    if (usable && this.socket === undefined && !this.opening) this.open(state);
  }

  stop(): void {
    this.stopped = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.socket?.close();
  }

  private open(state: InterfaceState): void {
    const { spec } = this;
    this.opening = true;
    spec.open(state.name)
      .then((s) => {
        this.opening = false;
        if (this.stopped) return s.close();
        this.socket = s;
        this.ifindex = state.ifindex;
        spec.log.clearOnce(`open-${spec.key}`);
        spec.log.info(spec.openedLine(state.name));
        const now = spec.latest(state.name);
        if (now !== undefined && (now.ifindex !== state.ifindex || !now.up)) this.follow(now);
        else spec.onOpened?.();
      })
      .catch((e: Error) => {
        this.opening = false;
        spec.log.once(`open-${spec.key}`, 1, `cannot open ${spec.noun} on ${state.name}: ${e.message}; retrying every ${OPEN_RETRY_MS / 1000} s`);
        this.retryOpen(state.name);
      });
  }

  private retryOpen(name: string): void {
    if (this.stopped || this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      const now = this.spec.latest(name);
      if (now === undefined || this.stopped) return;
      this.follow(now);
    }, OPEN_RETRY_MS);
  }
}
