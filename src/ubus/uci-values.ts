// A UCI config as rpcd's `uci get {"config": ...}` returns it: sections with
// their type, name, position and options (always strings, lists as arrays).
// Read from the reply's JSON form, so test fixtures are plain reply files.

import { err, ok, type Result } from '../wire/result';

export type UciOptionValue = string | readonly string[];

export interface UciSection {
  readonly name: string;
  readonly type: string;
  readonly anonymous: boolean;
  /** Position in the file; anonymous sections are addressed as @type[n] by it. */
  readonly index: number;
  /** A Map, so an option named `__proto__` or `constructor` is just an option. */
  readonly options: ReadonlyMap<string, UciOptionValue>;
}

export interface UciValues {
  readonly config: string;
  /** In file order. */
  readonly sections: readonly UciSection[];
}

/** Parses `{"values": {name: {".type", ".name", ".anonymous", ".index", option...}}}`. */
export function parseUciReply(config: string, reply: unknown): Result<UciValues, string> {
  if (!isObject(reply) || !isObject(reply['values'])) return err(`uci get ${config}: the reply has no "values" table`);
  const sections: UciSection[] = [];
  for (const [key, raw] of Object.entries(reply['values'])) {
    if (!isObject(raw)) return err(`uci get ${config}: section '${key}' is not a table`);
    const type = raw['.type'];
    if (typeof type !== 'string') return err(`uci get ${config}: section '${key}' has no .type`);
    const options = new Map<string, UciOptionValue>();
    for (const [name, value] of Object.entries(raw)) {
      if (name.startsWith('.')) continue;
      if (typeof value === 'string') options.set(name, value);
      else if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) options.set(name, [...value]);
      else return err(`${config}.${key}.${name}: UCI values are strings or lists of strings`);
    }
    const index = raw['.index'];
    sections.push({
      name: typeof raw['.name'] === 'string' ? raw['.name'] : key,
      type,
      anonymous: raw['.anonymous'] === true,
      index: typeof index === 'number' ? index : sections.length,
      options,
    });
  }
  sections.sort((a, b) => a.index - b.index);
  return ok({ config, sections });
}

/** `ddhcpd.main` for a named section, `ddhcpd.@dhcp_option[0]` for an anonymous one, as `uci show` writes them. */
export function sectionPath(values: UciValues, section: UciSection): string {
  if (!section.anonymous) return `${values.config}.${section.name}`;
  const n = values.sections.filter((s) => s.type === section.type && s.index < section.index).length;
  return `${values.config}.@${section.type}[${n}]`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
