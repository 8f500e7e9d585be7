// What the running daemon offers to its presenters: the control socket
// (ctl/server.ts) and the ubus object (ubus/ddhcpd-object.ts). They read
// state and ask for changes through this interface only, never through the core.

import type { CoreView, Millis, OptionEntry } from '../core/types';
import type { Statistics } from './stats';

export interface InterfaceStatus {
  readonly role: 'client' | 'server';
  readonly name: string;
  readonly ifindex: number | undefined;
  readonly up: boolean;
  /** Client interface: its IPv4 address (dotted); server interface: its usable IPv6 link-local. */
  readonly address: string | undefined;
}

export interface DaemonApi {
  /** Monotonic now, in the same clock as the view's deadlines. */
  now(): Millis;
  /** Monotonic time the daemon started. */
  readonly startedAt: Millis;
  view(): CoreView;
  readonly stats: Statistics;
  interfaces(): readonly InterfaceStatus[];
  setOption(option: OptionEntry): void;
  removeOption(code: number): void;
  logLevel(): number;
  setLogLevel(level: number): void;
  /** Re-read configuration (UCI when started with --uci); resolves to an error text if it was refused. */
  reload(): Promise<string | undefined>;
}
