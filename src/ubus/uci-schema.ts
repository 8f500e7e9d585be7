// UCI config `ddhcpd` → daemon settings: our layout (section `main` of type
// ddhcpd, sections of type dhcp_option) and the older Gluon package's (section
// `settings`). Which option is which setting, and its parser, come from the
// option table (config/options.ts), the command line's; every problem names
// its UCI path.

import type { DaemonConfig } from '../config/config';
import { SETTINGS, type SettingSpec, type Settings } from '../config/options';
import { parseBoolean, parseIntInRange, parseOptionPayload } from '../config/parse';
import type { OptionEntry } from '../core/types';
import { err, ok, type Result } from '../wire/result';
import { sectionPath, type UciSection, type UciValues } from './uci-values';

export type UciLayout = 'ddhcpd' | 'gluon-legacy';

export interface UciMapping {
  readonly settings: Partial<DaemonConfig>;
  readonly layout: UciLayout;
  /** `enabled` (default true); the daemon refuses to start when false. */
  readonly enabled: boolean;
  /** Unknown options and sections, ignored but worth a log line. */
  readonly warnings: readonly string[];
}

/** Option name -> setting, for one layout; the parsers are the command line's (config/options.ts). */
function schema(name: (s: SettingSpec) => string | undefined): ReadonlyMap<string, SettingSpec> {
  const out = new Map<string, SettingSpec>();
  for (const spec of SETTINGS) {
    const key = name(spec);
    if (key !== undefined) out.set(key, spec);
  }
  return out;
}

const MAIN = schema((s) => s.uci);
/** The older Gluon community package's /etc/config/ddhcpd, section `settings`. */
const LEGACY = schema((s) => s.legacyUci);

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
    const spec = table.get(key);
    if (spec === undefined) {
      warnings.push(`${path}: unknown option, ignored`);
      continue;
    }
    const problem = spec.fromText(text, settings);
    if (problem !== undefined) errors.push(`${path}: ${problem}`);
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
