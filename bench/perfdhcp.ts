// Runs ISC perfdhcp from the client namespace as a DHCP relay (giaddr = its own
// address, replies expected at giaddr:67) and parses its report, including the
// per-exchange timestamps of `-x t`, into counts and latency percentiles.

import type { BenchNet } from './netns';
import { RELAY_IP, SERVER_IP } from './netns';
import { readUdpRcvbufErrors } from './proc';

export interface ExchangeStats {
  readonly sent: number;
  readonly received: number;
  /** Round trips in ms, sorted ascending. */
  readonly latenciesMs: readonly number[];
}

export interface PerfdhcpReport {
  readonly rate: number;
  readonly discoverOffer: ExchangeStats;
  readonly requestAck: ExchangeStats;
}

export interface PerfdhcpRun extends PerfdhcpReport {
  readonly targetRate: number;
  readonly periodSec: number;
  /** Share of DISCOVERs that did not end with an ACK, 0..1. */
  readonly dropRatio: number;
  /** The client namespace's UDP receive buffers overflowed: perfdhcp itself could not keep up. */
  readonly generatorOverflows: number;
  readonly exitCode: number | null;
  readonly output: string;
}

const SECTION = /\*\*\*Statistics for: (DISCOVER-OFFER|REQUEST-ACK)\*\*\*([\s\S]*?)(?=\*\*\*|$)/g;
const TIMESTAMPS = /\*\*\*Timestamps for packets: (DISCOVER-OFFER|REQUEST-ACK)\*\*\*([\s\S]*?)(?=\*\*\*|$)/g;

function numberAfter(text: string, label: string): number {
  const m = new RegExp(`${label}:\\s*([0-9.]+)`).exec(text);
  return m?.[1] === undefined ? 0 : Number(m[1]);
}

export function parsePerfdhcp(output: string): PerfdhcpReport {
  const counts = new Map<string, { sent: number; received: number }>();
  for (const m of output.matchAll(SECTION)) {
    const body = m[2] ?? '';
    counts.set(m[1] ?? '', { sent: numberAfter(body, 'sent packets'), received: numberAfter(body, 'received packets') });
  }
  const lat = new Map<string, number[]>();
  for (const m of output.matchAll(TIMESTAMPS)) {
    const list: number[] = [];
    for (const t of (m[2] ?? '').matchAll(/sent \/ received: ([0-9.]+) \/ ([0-9.]+)/g)) {
      list.push((Number(t[2]) - Number(t[1])) * 1000);
    }
    lat.set(m[1] ?? '', list.sort((a, b) => a - b));
  }
  const stats = (name: string): ExchangeStats => ({
    sent: counts.get(name)?.sent ?? 0,
    received: counts.get(name)?.received ?? 0,
    latenciesMs: lat.get(name) ?? [],
  });
  return { rate: numberAfter(output, 'Rate'), discoverOffer: stats('DISCOVER-OFFER'), requestAck: stats('REQUEST-ACK') };
}

/** Nearest-rank percentile of a sorted list; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? NaN;
}

export interface PerfdhcpOptions {
  readonly rate: number;
  readonly periodSec: number;
  readonly clients: number;
  readonly cpu: number;
  readonly seed: number;
}

export async function runPerfdhcp(net: BenchNet, o: PerfdhcpOptions): Promise<PerfdhcpRun> {
  const overflowBefore = readUdpRcvbufErrors(net.client);
  const args = ['-4', '-l', RELAY_IP, '-r', String(o.rate), '-R', String(o.clients), '-p', String(o.periodSec),
    '-s', String(o.seed), '-W', '1000000', '-x', 't', SERVER_IP];
  const child = net.spawnIn(net.client, o.cpu, 'perfdhcp', args);
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  // perfdhcp ends by itself after -p plus -W; the bound guards a hung generator.
  const killer = setTimeout(() => child.kill('SIGKILL'), (o.periodSec + 30) * 1000);
  const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  clearTimeout(killer);
  const report = parsePerfdhcp(output);
  const started = report.discoverOffer.sent;
  const dropRatio = started === 0 ? 1 : Math.max(0, 1 - report.requestAck.received / started);
  return {
    ...report,
    targetRate: o.rate,
    periodSec: o.periodSec,
    dropRatio,
    generatorOverflows: readUdpRcvbufErrors(net.client) - overflowBefore,
    exitCode,
    output: output.length > 4000 ? `${output.slice(0, 2000)}\n...\n${output.slice(-1000)}` : output,
  };
}
