// The ddhcpd command line: the C daemon's flags with the same meaning, plus
// ours, all from the option table (config/options.ts). Parsing yields only what
// was given, so flags can override UCI; every bad value becomes one line that
// says what to fix.

import { Command, CommanderError } from 'commander';
import { defaultHelp, SETTINGS, type SettingSpec, type Settings } from '../config/options';
import { VERSION } from './version';
import { err, ok, type Result } from '../wire/result';

export type { Settings } from '../config/options';
export { mergeOption } from '../config/options';

export type CliOutcome =
  | { readonly kind: 'run'; readonly settings: Settings }
  | { readonly kind: 'exit'; readonly code: number; readonly output: string };

/** `-b <pow>` -> `-b`, `--max-leases <n>` -> `--max-leases`: how an error names the flag. */
function flagName(spec: SettingSpec): string {
  return (spec.flag ?? '').split(' ')[0] ?? '';
}

/** commander's key for a flag's value: `-b` -> b, `--max-leases` -> maxLeases. */
function optionKey(spec: SettingSpec): string {
  return flagName(spec).replace(/^--?/, '').replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

export function parseArgs(argv: readonly string[]): Result<CliOutcome, string> {
  let output = '';
  const program = new Command('ddhcpd').helpOption('-h, --help', 'this usage information');
  for (const spec of SETTINGS) {
    if (spec.flag === undefined) continue;
    const help = spec.help + defaultHelp(spec);
    const kind = spec.flagKind;
    if (kind === 'repeat') program.option(spec.flag, help, (v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
    else if (kind === 'count') program.option(spec.flag, help, (_v: string, prev: number | undefined) => (prev ?? 0) + 1);
    else program.option(spec.flag, help);
  }
  program
    .option('-d', 'accepted for compatibility; ddhcpd always runs in the foreground (procd supervises it)')
    .option('-D', 'run in the foreground and log to the console (default)')
    .version(`ddhcpd ${VERSION}`, '-V, --version', 'print the version')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: (s) => (output += s), writeErr: (s) => (output += s) });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return ok({ kind: 'exit', code: 0, output });
      return err(`${e.message.replace(/^error: /, '')} (see ddhcpd -h)`);
    }
    throw e;
  }
  const o = program.opts<Record<string, unknown>>();
  const s: Settings = {};
  for (const spec of SETTINGS) {
    if (spec.flag === undefined) continue;
    const problem = spec.fromFlag(o[optionKey(spec)], s);
    if (problem !== undefined) return err(`${flagName(spec)}: ${problem}`);
  }
  return ok({ kind: 'run', settings: s });
}
