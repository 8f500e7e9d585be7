// UCI files as they sit in /etc/config: read into the same UciValues the daemon
// gets from rpcd (so one schema maps both), and written back in the form the
// uci CLI writes. The Gluon upgrade step reads /etc/config/gluon and the node's
// /etc/config/ddhcpd with it; it never needs the uci binary or ubus.

import { err, ok, type Result } from '../wire/result';
import type { UciOptionValue, UciSection, UciValues } from '../ubus/uci-values';

interface MutableSection {
  name: string;
  type: string;
  anonymous: boolean;
  index: number;
  options: Map<string, UciOptionValue>;
}

/**
 * Splits one line into words the way uci's parser does (libuci file.c): words
 * separated by blanks, 'single' quotes take everything literally, "double"
 * quotes and bare words take backslash escapes, adjacent parts join, and `#`
 * at the start of a word ends the line.
 */
function splitWords(line: string): Result<string[], string> {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /[ \t\r]/.test(line[i] ?? '')) i++;
    if (i >= line.length || line[i] === '#') break;
    let word = '';
    while (i < line.length && !/[ \t\r]/.test(line[i] ?? '')) {
      const c = line[i] ?? '';
      if (c === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) return err('unterminated quote');
        word += line.slice(i + 1, end);
        i = end + 1;
      } else if (c === '"') {
        i++;
        while (i < line.length && line[i] !== '"') {
          if (line[i] === '\\' && i + 1 < line.length) i++;
          word += line[i] ?? '';
          i++;
        }
        if (i >= line.length) return err('unterminated quote');
        i++;
      } else if (c === '\\' && i + 1 < line.length) {
        word += line[i + 1] ?? '';
        i += 2;
      } else {
        word += c;
        i++;
      }
    }
    words.push(word);
  }
  return ok(words);
}

/** Parses a config file's text; `config` is its name (the file name in /etc/config). */
export function parseUciFile(config: string, text: string): Result<UciValues, string> {
  const sections: MutableSection[] = [];
  let current: MutableSection | undefined;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const where = `/etc/config/${config}:${n + 1}`;
    const words = splitWords(lines[n] ?? '');
    if (!words.ok) return err(`${where}: ${words.error}`);
    const [keyword, first, second] = words.value;
    if (keyword === undefined || keyword === 'package') continue;
    if (keyword === 'config') {
      if (first === undefined || first === '') return err(`${where}: 'config' without a section type`);
      const named = second !== undefined && second !== '';
      const existing = named ? sections.find((s) => s.name === second) : undefined;
      // As in uci: a second `config type name` continues the section of that name.
      current = existing ?? {
        name: named ? second : `cfg${sections.length}`,
        type: first,
        anonymous: !named,
        index: sections.length,
        options: new Map(),
      };
      if (existing === undefined) sections.push(current);
    } else if (keyword === 'option' || keyword === 'list') {
      if (current === undefined) return err(`${where}: '${keyword}' before any 'config' line`);
      if (first === undefined || first === '' || second === undefined) return err(`${where}: '${keyword}' needs a name and a value`);
      if (keyword === 'option') {
        current.options.set(first, second);
      } else {
        const before = current.options.get(first);
        current.options.set(first, [...(Array.isArray(before) ? before : typeof before === 'string' ? [before] : []), second]);
      }
    } else {
      return err(`${where}: unknown keyword '${keyword}'`);
    }
  }
  const frozen: UciSection[] = sections.map((s) => ({ ...s }));
  return ok({ config, sections: frozen });
}

/** A value quoted as the uci CLI writes it: single quotes, a quote as '\''. */
function quote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** Writes sections in order, in uci's own layout (tab-indented, every value quoted). */
export function renderUciFile(sections: readonly UciSection[], header: readonly string[] = []): string {
  const out: string[] = header.map((h) => `# ${h}`.trimEnd());
  for (const s of sections) {
    if (out.length > 0) out.push('');
    out.push(s.anonymous ? `config ${s.type}` : `config ${s.type} ${quote(s.name)}`);
    for (const [key, value] of s.options) {
      if (typeof value === 'string') out.push(`\toption ${key} ${quote(value)}`);
      else for (const v of value) out.push(`\tlist ${key} ${quote(v)}`);
    }
  }
  return `${out.join('\n')}\n`;
}
