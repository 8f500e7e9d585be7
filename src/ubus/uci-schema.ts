// UCI config `ddhcpd` → daemon settings, from declarative tables: our layout
// (section `main` of type ddhcpd, sections of type dhcp_option) and the older
// Gluon package's (section `settings`). Values go through config/parse.ts, the
// same parsers as the command line; every problem names its UCI path.

import { MAX_BLOCK_SIZE_POW, type DaemonConfig } from '../config/config';
import {
  parseBoolean, parseDuration, parseIntInRange, parseNetwork, parseOptionPayload, type ParseResult,
} from '../config/parse';
import type { OptionEntry } from '../core/types';
import { err, ok, type Result } from '../wire/result';
import { sectionPath, type UciSection, type UciValues } from './uci-values';

type Settings = { -readonly [K in keyof DaemonConfig]?: DaemonConfig[K] };
type Apply = (text: string, into: Settings) => ParseResult<void>;

export type UciLayout = 'ddhcpd' | 'gluon-legacy';

export interface UciMapping {
  readonly settings: Partial<DaemonConfig>;
  readonly layout: UciLayout;
  /** `enabled` (default true); the daemon refuses to start when false. */
  readonly enabled: boolean;
  /** Unknown options and sections, ignored but worth a log line. */
  readonly warnings: readonly string[];
}

const IFNAMSIZ = 16;
const MAX_LEASE_SEC = 0xfffffffe;

function set<T>(r: ParseResult<T>, put: (v: T) => void): ParseResult<void> {
  if (!r.ok) return r;
  put(r.value);
  return ok(undefined);
}

const int = (min: number, max: number, put: (s: Settings, v: number) => void): Apply =>
  (t, s) => set(parseIntInRange(t, min, max), (v) => put(s, v));

function parseIfname(text: string): ParseResult<string> {
  if (text === '' || text.length >= IFNAMSIZ || /[/\s]/.test(text)) {
    return err(`'${text}' is not an interface name (1 to 15 characters, no '/' or spaces)`);
  }
  return ok(text);
}

function parsePath(text: string): ParseResult<string> {
  return text.startsWith('/') ? ok(text) : err(`'${text}' is not an absolute path`);
}

// Same ranges as the command line (cli/args.ts) so a value valid in one is valid in the other.
const SHARED: Readonly<Record<string, Apply>> = {
  block_size_pow: int(0, MAX_BLOCK_SIZE_POW, (s, v) => (s.blockSizePow = v)),
  spare_leases: int(0, 65535, (s, v) => (s.spareLeases = v)),
  block_timeout: int(4, 65535, (s, v) => (s.blockTimeoutSec = v)),
  tentative_timeout: int(2, 65535, (s, v) => (s.tentativeTimeoutSec = v)),
  max_leases: int(1, 2 ** 24, (s, v) => (s.maxLeases = v)),
  server_interface: (t, s) => set(parseIfname(t), (v) => (s.serverInterface = v)),
};

const MAIN: Readonly<Record<string, Apply>> = {
  ...SHARED,
  network: (t, s) => set(parseNetwork(t), (v) => (s.network = v)),
  needless_timeout: int(1, 65535, (s, v) => (s.needlessTimeoutSec = v)),
  learning: (t, s) => set(parseBoolean(t), (v) => (s.learning = v)),
  client_interface: (t, s) => set(parseIfname(t), (v) => (s.clientInterface = v)),
  lease_time: (t, s) => set(parseDuration(t, 1, MAX_LEASE_SEC), (v) => (s.leaseTimeSec = v)),
  control_path: (t, s) => set(parsePath(t), (v) => (s.controlPath = v)),
  // A command as for -H; empty means none.
  hook: (t, s) => set(ok(t === '' ? undefined : t), (v) => (s.hook = v)),
  log_level: int(0, 7, (s, v) => (s.logLevel = v)),
};

/** The older Gluon community package's /etc/config/ddhcpd, section `settings`. */
const LEGACY: Readonly<Record<string, Apply>> = {
  ...SHARED,
  block_network: (t, s) => set(parseNetwork(t), (v) => (s.network = v)),
  dhcp_interface: (t, s) => set(parseIfname(t), (v) => (s.clientInterface = v)),
  dhcp_lease_time: (t, s) => set(parseDuration(t, 1, MAX_LEASE_SEC), (v) => (s.leaseTimeSec = v)),
};

const OPTION_KEYS = new Set(['code', 'len', 'payload']);

export function mapUciConfig(values: UciValues): Result<UciMapping, string[]> {
  const errors: string[] = [];
  const warnings: string[] = [];
  const byName = (name: string): UciSection | undefined => values.sections.find((s) => !s.anonymous && s.name === name);
  const main = byName('main');
  const legacy = byName('settings');
  const section = main ?? legacy;
  const c = values.config;
  if (section === undefined) {
    return err([`${c}: no section 'main' (config ddhcpd 'main'), nor 'settings' of the older Gluon layout`]);
  }
  const layout: UciLayout = main !== undefined ? 'ddhcpd' : 'gluon-legacy';
  if (main !== undefined && main.type !== 'ddhcpd') errors.push(`${c}.main: section type is '${main.type}', expected 'ddhcpd'`);
  if (main !== undefined && legacy !== undefined) warnings.push(`${c}.settings: ignored, section 'main' is used`);

  const settings: Settings = {};
  let enabled = true;
  const table = layout === 'ddhcpd' ? MAIN : LEGACY;
  for (const [key, value] of section.options) {
    const path = `${c}.${section.name}.${key}`;
    const text = single(path, value, errors);
    if (text === undefined) continue;
    if (key === 'enabled') {
      const r = parseBoolean(text);
      if (r.ok) enabled = r.value;
      else errors.push(`${path}: ${r.error}`);
      continue;
    }
    const apply = table[key];
    if (apply === undefined) {
      warnings.push(`${path}: unknown option, ignored`);
      continue;
    }
    const r = apply(text, settings);
    if (!r.ok) errors.push(`${path}: ${r.error}`);
  }

  const options: OptionEntry[] = [];
  for (const s of values.sections) {
    if (s === section || s === legacy) continue;
    if (s.type !== 'dhcp_option') {
      warnings.push(`${sectionPath(values, s)}: section of type '${s.type}' ignored`);
      continue;
    }
    const option = mapOptionSection(sectionPath(values, s), s, errors, warnings);
    if (option === undefined) continue;
    const i = options.findIndex((o) => o.code === option.code);
    // As with repeated -o in C: one entry per code, the later one wins.
    if (i >= 0) {
      warnings.push(`${sectionPath(values, s)}: option ${option.code} given again; this one replaces the earlier`);
      options[i] = option;
    } else {
      options.push(option);
    }
  }
  if (options.length > 0) settings.options = options;
  return errors.length > 0 ? err(errors) : ok({ settings, layout, enabled, warnings });
}

function mapOptionSection(path: string, s: UciSection, errors: string[], warnings: string[]): OptionEntry | undefined {
  for (const key of s.options.keys()) if (!OPTION_KEYS.has(key)) warnings.push(`${path}.${key}: unknown option, ignored`);
  const field = (key: string): string | undefined => {
    const v = s.options.get(key);
    return v === undefined ? undefined : single(`${path}.${key}`, v, errors);
  };
  const codeText = field('code');
  const lenText = field('len');
  const payloadText = field('payload');
  const before = errors.length;
  if (codeText === undefined && !s.options.has('code')) errors.push(`${path}.code: missing`);
  if (payloadText === undefined && !s.options.has('payload')) errors.push(`${path}.payload: missing`);
  const code = codeText === undefined ? undefined : parseIntInRange(codeText, 1, 254);
  if (code !== undefined && !code.ok) errors.push(`${path}.code: ${code.error}`);
  const len = lenText === undefined ? undefined : parseIntInRange(lenText, 0, 255);
  if (len !== undefined && !len.ok) errors.push(`${path}.len: ${len.error}`);
  if (errors.length > before || code === undefined || !code.ok || payloadText === undefined) return undefined;
  const option = parseOptionPayload(code.value, len?.ok === true ? len.value : undefined, payloadText);
  if (!option.ok) {
    errors.push(`${path}.payload: ${option.error}`);
    return undefined;
  }
  return option.value;
}

function single(path: string, value: string | readonly string[], errors: string[]): string | undefined {
  if (typeof value === 'string') return value;
  errors.push(`${path}: expected one value, got a list (use 'option', not 'list')`);
  return undefined;
}
