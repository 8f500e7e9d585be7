// The `ddhcpdctl -s` statistics text: `name value` lines, the C counters first
// in C order (statistics.c, vectors s.json), then the C block-state sums, then
// ours. Unlike C there is no `block.<i>.owner` line per block: on a /16 with
// block size 32 that was 2048 lines of mostly zeros. Parsed back for --json.

import type { CoreView } from '../core/types';
import { C_COUNTERS, type Statistics } from '../driver/stats';
import { err, ok, type Result } from '../wire/result';

export type StatisticsListing = readonly (readonly [name: string, value: number])[];

export function buildStatistics(stats: Statistics, view: CoreView): StatisticsListing {
  const entries = stats.entries();
  const cCount = C_COUNTERS.length;
  const cfg = view.config;
  const c = view.counts();
  const blockCount = 2 ** (32 - cfg.prefixLen - cfg.blockSizePow);
  const busy = c.blocksTentative + c.blocksClaiming + c.blocksClaimed + c.blocksOurs;
  return [
    ...entries.slice(0, cCount),
    // C's sums: free includes blocked, tentative includes claiming, claimed includes ours.
    ['ddhcp.blocks.free', blockCount - busy],
    ['ddhcp.blocks.tentative', c.blocksTentative + c.blocksClaiming],
    ['ddhcp.blocks.claimed', c.blocksClaimed + c.blocksOurs],
    ['ddhcp.blocks.ours', c.blocksOurs],
    ['ddhcp.leases.free', c.leasesFree],
    ['ddhcp.leases.offered', c.leasesOffered],
    ['ddhcp.leases.leased', c.leasesLeased],
    ...entries.slice(cCount),
  ];
}

export function formatStatistics(stats: Statistics, view: CoreView): string {
  return renderStatistics(buildStatistics(stats, view));
}

export function formatStatisticsJson(stats: Statistics, view: CoreView): string {
  return statisticsToJson(buildStatistics(stats, view));
}

export function renderStatistics(list: StatisticsListing): string {
  return list.map(([name, value]) => `${name} ${value}\n`).join('');
}

/** One object, keys in text order (names are never integer-like, so order is kept). */
export function statisticsToJson(list: StatisticsListing): string {
  return `${JSON.stringify(Object.fromEntries(list), null, 2)}\n`;
}

/** Accepts both daemons' text, including C's block.<i>.owner lines. */
export function parseStatistics(text: string): Result<StatisticsListing, string> {
  const lines = text.split('\n');
  if (lines.pop() !== '') return err('statistics do not end with a newline');
  const out: [string, number][] = [];
  const seen = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const m = /^([A-Za-z_][\w.-]*) (-?\d+)$/.exec(lines[i] ?? '');
    if (!m) return err(`statistics line ${i + 1} is not "name value": ${JSON.stringify((lines[i] ?? '').slice(0, 60))}`);
    const name = m[1] ?? '';
    if (seen.has(name)) return err(`statistics line ${i + 1}: ${name} appears twice`);
    seen.add(name);
    out.push([name, Number(m[2])]);
  }
  return ok(out);
}
