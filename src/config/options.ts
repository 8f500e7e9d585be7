// Every setting of the daemon in one table: its command-line flag, its UCI keys
// (our layout, section `main`, and the older Gluon package's, section
// `settings`), its Gluon site key, the parser that checks a value, the C default and the package's,
// the help text, and when a change takes effect. The commander program
// (cli/args.ts), the UCI schema (ubus/uci-schema.ts), `ddhcpd -h`, the reload
// (driver/daemon.ts) and the tests that hold the shipped config and the README to it
// all read this table, so a setting is added here, once.

import { DEFAULTS, MAX_BLOCK_SIZE_POW, type DaemonConfig } from './config';
import { formatIpv4 } from '../wire/bytes';
import {
  parseBoolean, parseDuration, parseIntInRange, parseNetwork, parseOptionSpec, type ParseResult,
} from './parse';
import type { OptionEntry } from '../core/types';
import { err, ok } from '../wire/result';

/** What the command line or UCI gave: only the settings that were set, so one layer can override another. */
export type Settings = { -readonly [K in keyof DaemonConfig]?: DaemonConfig[K] };

/**
 * When a changed value takes effect on reload (SIGHUP, `ubus call ddhcpd reload`, procd's
 * config trigger): `live` at once; `protocol` restarts the protocol state (blocks are claimed
 * anew); `start` only when the daemon next starts (the reload says so in the log).
 */
export type Reload = 'live' | 'protocol' | 'start';

/** How the command line passes a setting: a value, a switch that sets a fixed value, or repeated. */
type FlagForm<V> =
  | { readonly kind: 'value'; readonly parse?: (text: string) => ParseResult<V> }
  | { readonly kind: 'switch'; readonly value: V }
  /** -o: each occurrence parsed, folded into the list as C does. */
  | { readonly kind: 'repeat'; readonly fold: (texts: readonly string[]) => ParseResult<V> }
  /** -v: how often it was given. */
  | { readonly kind: 'count'; readonly value: (count: number) => V };

interface SettingEntry<K extends keyof DaemonConfig> {
  readonly key: K;
  /** commander's flag spec: `-b <pow>`, `--max-leases <n>`, `-L`. */
  readonly flag?: string;
  readonly flagForm?: FlagForm<DaemonConfig[K]>;
  /** Option name in section `main` of /etc/config/ddhcpd. */
  readonly uci?: string;
  /** Option name in section `settings` of the older Gluon community package. */
  readonly legacyUci?: string;
  /** Key under `ddhcpd` in a Gluon site.conf (that package's names); the upgrade step maps it (gluon/site-config.ts). */
  readonly site?: string;
  /** Checks a value as text: the UCI value, and the flag's unless flagForm says otherwise. */
  readonly parse: (text: string) => ParseResult<DaemonConfig[K]>;
  readonly help: string;
  /** What `-h` says the default is, where DEFAULTS alone does not say it well. */
  readonly defaultText?: string;
  /** The value /etc/config/ddhcpd ships; undefined: the option is shipped commented out. */
  readonly packageDefault?: string;
  readonly reload: Reload;
}

const IFNAMSIZ = 16;
const MAX_LEASE_SEC = 0xfffffffe;
const PORT_SECONDS = 65535;

function ifname(text: string): ParseResult<string> {
  if (text === '' || text.length >= IFNAMSIZ || /[/\s]/.test(text)) {
    return err(`'${text}' is not an interface name (1 to 15 characters, no '/' or spaces)`);
  }
  return ok(text);
}

function absolutePath(text: string): ParseResult<string> {
  return text.startsWith('/') ? ok(text) : err(`'${text}' is not an absolute path`);
}

const anyText = (text: string): ParseResult<string> => ok(text);
const intIn = (min: number, max: number) => (text: string): ParseResult<number> => parseIntInRange(text, min, max);

/** C keeps one entry per code: a later -o replaces an earlier one in place. */
export function mergeOption(list: readonly OptionEntry[], option: OptionEntry): OptionEntry[] {
  const i = list.findIndex((o) => o.code === option.code);
  if (i < 0) return [...list, option];
  const copy = [...list];
  copy[i] = option;
  return copy;
}

function foldOptions(texts: readonly string[]): ParseResult<readonly OptionEntry[]> {
  let list: OptionEntry[] = [];
  for (const text of texts) {
    const r = parseOptionSpec(text);
    if (!r.ok) return r;
    list = mergeOption(list, r.value);
  }
  return ok(list);
}

/** A table entry, with its value's type behind two functions, so entries of every type share one table. */
export interface SettingSpec extends Omit<SettingEntry<keyof DaemonConfig>, 'parse' | 'flagForm'> {
  readonly flagKind: FlagForm<unknown>['kind'] | undefined;
  /** A UCI value into `into`; the problem as one line, or undefined. */
  fromText(text: string, into: Settings): string | undefined;
  /** commander's value of the flag (string, true, a count or a list) into `into`; undefined when not given. */
  fromFlag(raw: unknown, into: Settings): string | undefined;
}

function setting<K extends keyof DaemonConfig>(entry: SettingEntry<K>): SettingSpec {
  const { parse, flagForm, ...rest } = entry;
  const put = (r: ParseResult<DaemonConfig[K]>, into: Settings): string | undefined => {
    if (!r.ok) return r.error;
    into[entry.key] = r.value;
    return undefined;
  };
  return {
    ...rest,
    flagKind: flagForm?.kind,
    fromText: (text, into) => put(parse(text), into),
    fromFlag(raw, into) {
      const form = flagForm ?? { kind: 'value' };
      switch (form.kind) {
        case 'switch':
          return raw === true ? put(ok(form.value), into) : undefined;
        case 'count':
          return typeof raw === 'number' ? put(ok(form.value(raw)), into) : undefined;
        case 'repeat':
          return Array.isArray(raw) ? put(form.fold(raw.map(String)), into) : undefined;
        case 'value':
          return typeof raw === 'string' ? put((form.parse ?? parse)(raw), into) : undefined;
      }
    },
  };
}

/** In `ddhcpd -h` order, which is the C daemon's where C has the flag. */
export const SETTINGS: readonly SettingSpec[] = [
  setting({
    key: 'clientInterface', flag: '-c <iface>', uci: 'client_interface', legacyUci: 'dhcp_interface', parse: ifname,
    help: 'interface on which requests from clients are handled', packageDefault: 'br-client', reload: 'start',
  }),
  setting({
    key: 'serverInterface', flag: '-i <iface>', uci: 'server_interface', legacyUci: 'server_interface', parse: ifname,
    help: 'interface on which the servers talk to each other', packageDefault: 'bat0', reload: 'start',
  }),
  setting({
    key: 'dhcpEnabled', flag: '-S', flagForm: { kind: 'switch', value: false }, parse: parseBoolean,
    help: 'no client interface: take part in the block protocol, serve no DHCP', reload: 'protocol',
  }),
  setting({
    key: 'tentativeTimeoutSec', flag: '-t <seconds>', uci: 'tentative_timeout', legacyUci: 'tentative_timeout', site: 'tentative_timeout',
    parse: intIn(2, PORT_SECONDS), help: 'tentative timeout: time required for a block to be claimed, at least 2',
    packageDefault: '15', reload: 'protocol',
  }),
  setting({
    key: 'network', flag: '-N <network/len>', uci: 'network', legacyUci: 'block_network', site: 'range', parse: parseNetwork,
    help: 'network to announce and manage blocks in', defaultText: '10.0.0.0/24', packageDefault: '', reload: 'protocol',
  }),
  setting({
    key: 'options', flag: '-o <code:len:p1.p2...>', flagForm: { kind: 'repeat', fold: foldOptions },
    parse: (text) => foldOptions([text]),
    help: 'DHCP option: code, length and that many decimal bytes (repeatable; UCI: dhcp_option sections)', reload: 'live',
  }),
  setting({
    key: 'blockSizePow', flag: '-b <pow>', uci: 'block_size_pow', legacyUci: 'block_size_pow', site: 'block_size',
    parse: intIn(0, MAX_BLOCK_SIZE_POW), help: `block size is 2^pow addresses, 0 to ${MAX_BLOCK_SIZE_POW}`,
    packageDefault: '2', reload: 'protocol',
  }),
  setting({
    key: 'blockTimeoutSec', flag: '-B <seconds>', uci: 'block_timeout', legacyUci: 'block_timeout', site: 'block_timeout',
    parse: intIn(4, PORT_SECONDS),
    help: 'block claim timeout', packageDefault: '300', reload: 'protocol',
  }),
  setting({
    key: 'needlessTimeoutSec', flag: '-n <seconds>', uci: 'needless_timeout', parse: intIn(1, PORT_SECONDS),
    help: 'time until needless blocks are given back', packageDefault: '300', reload: 'protocol',
  }),
  setting({
    key: 'spareLeases', flag: '-s <leases>', uci: 'spare_leases', legacyUci: 'spare_leases', site: 'spare_leases',
    parse: intIn(0, PORT_SECONDS),
    help: 'spare leases to keep free, at least (plus the clients of the last claim time)', packageDefault: '2', reload: 'protocol',
  }),
  setting({
    key: 'maxLeases', flag: '--max-leases <n>', uci: 'max_leases', parse: intIn(1, 2 ** 24),
    help: 'most addresses this node may hold in its blocks', defaultText: 'half the network', reload: 'protocol',
  }),
  setting({
    key: 'probeMs', flag: '--probe-ms <ms>', uci: 'probe_ms', site: 'probe_ms', parse: intIn(0, 10_000),
    help: 'ARP probe before offering a fresh address on the client link, 0 to offer at once', packageDefault: '500', reload: 'protocol',
  }),
  setting({
    key: 'probeInterface', flag: '--probe-interface <iface>', uci: 'probe_interface', parse: ifname,
    help: 'interface the ARP probes go out on (Gluon: br-client)', defaultText: 'the client interface', reload: 'start',
  }),
  setting({
    key: 'learning', flag: '-L', flagForm: { kind: 'switch', value: false }, uci: 'learning', parse: parseBoolean,
    help: 'skip the learning phase', packageDefault: '1', reload: 'start',
  }),
  setting({
    key: 'leaseTimeSec', uci: 'lease_time', legacyUci: 'dhcp_lease_time', site: 'dhcp_lease_time',
    parse: (t) => parseDuration(t, 1, MAX_LEASE_SEC),
    help: 'lease time, seconds or 30m/1h/1d; option 51 wins', defaultText: '300', packageDefault: '300', reload: 'live',
  }),
  setting({
    key: 'controlPath', flag: '-C <path>', uci: 'control_path', parse: absolutePath,
    // C takes a relative -C, and so do we; UCI has no working directory to be relative to.
    flagForm: { kind: 'value', parse: anyText },
    help: 'path of the control socket', packageDefault: '/tmp/ddhcpd_ctl', reload: 'start',
  }),
  setting({
    key: 'hook', flag: '-H <command>', uci: 'hook', parse: (t) => ok(t === '' ? undefined : t),
    flagForm: { kind: 'value', parse: (t) => ok(t) },
    help: 'hook: run as COMMAND lease|release|inform IP MAC, and COMMAND endlearning', defaultText: 'none', reload: 'start',
  }),
  setting({
    key: 'logLevel', flag: '-v', flagForm: { kind: 'count', value: (n) => DEFAULTS.logLevel + n }, uci: 'log_level',
    parse: intIn(0, 7), help: 'increase verbosity, repeatable (UCI: log_level 0..7)', defaultText: 'log level 2, warnings',
    packageDefault: '2', reload: 'live',
  }),
  setting({
    key: 'uci', flag: '--uci', flagForm: { kind: 'switch', value: true }, parse: parseBoolean,
    help: 'read configuration from UCI through ubus (ddhcpd config); flags override it', reload: 'start',
  }),
  setting({
    key: 'stateDir', flag: '--state-dir <dir>', parse: anyText,
    help: 'where node id, blocks and leases survive restarts', reload: 'start',
  }),
  setting({
    key: 'ubusSocket', flag: '--ubus-socket <path>', parse: anyText,
    help: 'ubusd socket', defaultText: '/var/run/ubus/ubus.sock, then /var/run/ubus.sock', reload: 'start',
  }),
];

/** `(default 5)` for -h: the C daemon's default, or what the entry says it is. */
export function defaultHelp(spec: SettingSpec): string {
  if (spec.defaultText !== undefined) return ` (default ${spec.defaultText})`;
  const v = DEFAULTS[spec.key];
  if (typeof v === 'number' || (typeof v === 'string' && v !== '')) return ` (default ${v})`;
  if (spec.key === 'network') return ` (default ${formatIpv4(DEFAULTS.network.prefix)}/${DEFAULTS.network.prefixLen})`;
  return '';
}

/** The settings whose change on reload needs `reload` (driver/daemon.ts compares only these). */
export function changedSettings(prev: DaemonConfig, next: DaemonConfig, reload: Reload): SettingSpec[] {
  return SETTINGS.filter((s) => s.reload === reload && !sameValue(prev[s.key], next[s.key]));
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a, (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v)) ===
    JSON.stringify(b, (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v));
}
