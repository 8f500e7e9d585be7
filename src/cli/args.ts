// The ddhcpd command line: the C daemon's flags with the same meaning, plus
// --uci, --state-dir and --ubus-socket. Parsing yields only what was given, so
// flags can override UCI; every bad value becomes one line that says what to fix.

import { Command, CommanderError } from 'commander';
import type { DaemonConfig } from '../config/config';
import { parseIntInRange, parseNetwork, parseOptionSpec, type ParseResult } from '../config/parse';
import type { OptionEntry } from '../core/types';
import { err, ok, type Result } from '../wire/result';

export type Settings = { -readonly [K in keyof DaemonConfig]?: DaemonConfig[K] };

export type CliOutcome =
  | { readonly kind: 'run'; readonly settings: Settings }
  | { readonly kind: 'exit'; readonly code: number; readonly output: string };

export const VERSION = '0.1.0';

const IFNAMSIZ = 16;

function check<T>(flag: string, r: ParseResult<T>): T {
  if (!r.ok) throw new UsageError(`${flag}: ${r.error}`);
  return r.value;
}

class UsageError extends Error {}

function ifname(flag: string, text: string): string {
  if (text === '' || text.length >= IFNAMSIZ || /[/\s]/.test(text)) {
    throw new UsageError(`${flag}: '${text}' is not an interface name (1 to 15 characters, no '/' or spaces)`);
  }
  return text;
}

/** C keeps one entry per code: a later -o replaces an earlier one in place. */
export function mergeOption(list: readonly OptionEntry[], option: OptionEntry): OptionEntry[] {
  const i = list.findIndex((o) => o.code === option.code);
  if (i < 0) return [...list, option];
  const copy = [...list];
  copy[i] = option;
  return copy;
}

export function parseArgs(argv: readonly string[]): Result<CliOutcome, string> {
  let output = '';
  const program = new Command('ddhcpd')
    .helpOption('-h, --help', 'this usage information')
    .option('-c <iface>', 'interface on which requests from clients are handled (default client0)')
    .option('-i <iface>', 'interface on which the servers talk to each other (default server0)')
    .option('-S', 'no client interface: take part in the block protocol, serve no DHCP')
    .option('-t <seconds>', 'tentative timeout: time required for a block to be claimed (default 15, at least 2)')
    .option('-N <network/len>', 'network to announce and manage blocks in (default 10.0.0.0/24)')
    .option('-o <code:len:p1.p2...>', 'DHCP option: code, length and that many decimal bytes (repeatable)',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('-b <pow>', 'block size is 2^pow addresses, 0 to 7 (default 5)')
    .option('-B <seconds>', 'block claim timeout (default 60)')
    .option('-n <seconds>', 'time until needless blocks are given back (default 300)')
    .option('-s <leases>', 'spare leases to keep free (default 2)')
    .option('-L', 'skip the learning phase')
    .option('--max-leases <n>', 'most addresses this node may hold in its blocks (default half the network)')
    .option('-d', 'accepted for compatibility; ddhcpd always runs in the foreground (procd supervises it)')
    .option('-D', 'run in the foreground and log to the console (default)')
    .option('-C <path>', 'path of the control socket (default /tmp/ddhcpd_ctl)')
    .option('-H <command>', 'hook: run as COMMAND lease|release|inform IP MAC, and COMMAND endlearning')
    .option('-v', 'increase verbosity, repeatable', (_v: string, prev: number | undefined) => (prev ?? 0) + 1)
    .option('--uci', 'read configuration from UCI through ubus (ddhcpd config); flags override it')
    .option('--state-dir <dir>', 'where node id, blocks and leases survive restarts (default /var/lib/ddhcpd)')
    .option('--ubus-socket <path>', 'ubusd socket (default /var/run/ubus/ubus.sock, then /var/run/ubus.sock)')
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
  const o = program.opts<Record<string, string | string[] | number | boolean | undefined>>();
  const s: Settings = {};
  try {
    if (typeof o['c'] === 'string') s.clientInterface = ifname('-c', o['c']);
    if (typeof o['i'] === 'string') s.serverInterface = ifname('-i', o['i']);
    if (o['S'] === true) s.dhcpEnabled = false;
    if (typeof o['t'] === 'string') s.tentativeTimeoutSec = check('-t', parseIntInRange(o['t'], 2, 65535));
    if (typeof o['N'] === 'string') s.network = check('-N', parseNetwork(o['N']));
    if (Array.isArray(o['o'])) {
      let list: OptionEntry[] = [];
      for (const spec of o['o']) list = mergeOption(list, check('-o', parseOptionSpec(spec)));
      s.options = list;
    }
    if (typeof o['b'] === 'string') s.blockSizePow = check('-b', parseIntInRange(o['b'], 0, 7));
    if (typeof o['B'] === 'string') s.blockTimeoutSec = check('-B', parseIntInRange(o['B'], 4, 65535));
    if (typeof o['n'] === 'string') s.needlessTimeoutSec = check('-n', parseIntInRange(o['n'], 1, 65535));
    if (typeof o['s'] === 'string') s.spareLeases = check('-s', parseIntInRange(o['s'], 0, 65535));
    if (o['L'] === true) s.learning = false;
    if (typeof o['maxLeases'] === 'string') s.maxLeases = check('--max-leases', parseIntInRange(o['maxLeases'], 1, 2 ** 24));
    if (typeof o['C'] === 'string') s.controlPath = o['C'];
    if (typeof o['H'] === 'string') s.hook = o['H'];
    if (typeof o['v'] === 'number') s.logLevel = 2 + o['v'];
    if (o['uci'] === true) s.uci = true;
    if (typeof o['stateDir'] === 'string') s.stateDir = o['stateDir'];
    if (typeof o['ubusSocket'] === 'string') s.ubusSocket = o['ubusSocket'];
  } catch (e) {
    if (e instanceof UsageError) return err(e.message);
    throw e;
  }
  return ok({ kind: 'run', settings: s });
}
