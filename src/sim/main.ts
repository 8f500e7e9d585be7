// `make sim` / `npm run sim -- --nodes 1000 --minutes 60 --seed 1`: runs the pure
// core on N simulated nodes and prints the figures of issue 7. Every Scenario
// field is a flag (camelCase becomes --kebab-case); exit 1 if an invariant broke.

import { createCore } from '../core/node';
import { formatReplay, parseScenarioArgs, type Scenario } from './scenario';
import { runScenario, type SimFigures } from './run';
import type { WorkloadFigures } from './workloads';
import { SimInvariantError } from './sim-types';

function fmt(n: number | undefined, digits = 1): string {
  return n === undefined ? 'n/a' : n.toFixed(digits);
}

function printFigures(f: SimFigures, cpuSec: number, replay: string): void {
  const lines: [string, string][] = [
    ['nodes', String(f.nodes)],
    ['virtual minutes', fmt(f.virtualMinutes)],
    ['time to spare leases (max / median)', `${fmt(f.readyMaxSec)} s / ${fmt(f.readyMedianSec)} s (${f.neverReady} nodes never)`],
    ['double-owned moments', `${f.doubleOwnedMoments} (longest ${f.maxConflictMs.toFixed(0)} ms; ${f.partitionConflicts} across partitions; ${f.doubleOwnedBetweenCNodes} between two C nodes)`],
    ['duplicate addresses', `${f.duplicateAddresses} (+${f.duplicatesAfterOwnerChange} after an owner lost its block or state, +${f.duplicatesWhileContested} while two nodes owned the block)`],
    ['addresses held by two clients at once', String(f.duplicatesAny)],
    ['multicast per node per minute', `${fmt(f.mcastPacketsPerNodeMin, 2)} packets, ${fmt(f.mcastBytesPerNodeMin, 0)} bytes`],
    ['unicast per node per minute', `${fmt(f.unicastPacketsPerNodeMin, 2)} packets`],
    ['timer wake-ups per node per minute', fmt(f.wakeupsPerNodeMin, 1)],
    ['clients / ACKs', `${f.clients} / ${f.acks}`],
    ['DISCOVER to ACK, warm (med / p99 / max)', `${fmt(f.waitMedianSec, 2)} s / ${fmt(f.waitP99Sec, 2)} s / ${fmt(f.waitMaxSec, 2)} s`],
    ['blocks owned at end', String(f.blocksOwned)],
    ['convergence disagreements', String(f.convergence.count)],
    ['event/view audit mismatches', String(f.audit.count)],
    ['events / core inputs', `${f.events} / ${f.coreInputs}`],
    ['sim CPU seconds', cpuSec.toFixed(2)],
  ];
  const width = Math.max(...lines.map(([k]) => k.length));
  for (const [k, v] of lines) console.log(`${k.padEnd(width)}  ${v}`);
  const drops = Object.entries(f.dropped).map(([k, v]) => `${k}=${v}`).join(' ');
  if (drops !== '') console.log(`${'core drops'.padEnd(width)}  ${drops}`);
  if (f.unroutable + f.strayReplies > 0) console.log(`${'unroutable / stray'.padEnd(width)}  ${f.unroutable} unicasts / ${f.strayReplies} DHCP replies`);
  for (const e of [...f.convergence.examples, ...f.audit.examples]) console.log(`  ! ${e}`);
  if (f.duplicateAddresses + f.convergence.count + f.audit.count > 0) console.log(`replay: ${replay}`);
}

/** The scripted workloads' figures, for the ones the run had. */
function printWorkload(w: WorkloadFigures, s: Scenario): void {
  const secs = (xs: readonly number[]): string => (xs.length === 0 ? 'none leased' : `median ${fmt(xs[Math.floor((xs.length - 1) / 2)])} s, last ${fmt(xs[xs.length - 1])} s, ${xs.length} leased`);
  if (s.joinAt >= 0) console.log(`joining node's client leased after  ${fmt(w.joinWaitSec)} s`);
  if (s.crowd > 0) console.log(`crowd of ${w.crowdClients}  ${secs(w.crowdWaitsSec)}`);
  if (s.arrivalRate > 0) console.log(`arrivals measured / not leased in time  ${w.arrivalsMeasured} / ${w.arrivalsUnserved}`);
  if (s.flood > 0) console.log(`flooded node's blocks  ${w.floodNodeBlocks} of ${w.totalBlocks}; other nodes' clients: ${secs(w.probeWaitsSec)} of ${w.probeClients}`);
  if (s.rebootAllAt >= 0) console.log(`packets/node/min recovering (busiest minute) / before  ${fmt(w.rebootPacketsPerNodeMin, 2)} (${fmt(w.rebootPeakPacketsPerNodeMin, 2)}) / ${fmt(w.steadyPacketsPerNodeMin, 2)}`);
}

function main(): number {
  let scenario: Scenario;
  try {
    const parsed = parseScenarioArgs(process.argv.slice(2));
    if (!parsed.ok) throw new Error(parsed.error);
    scenario = parsed.value;
  } catch (e) {
    console.error(`sim: ${(e as Error).message}`);
    return 1;
  }
  const start = process.cpuUsage();
  try {
    const { figures, workload } = runScenario(scenario, createCore);
    const cpu = process.cpuUsage(start);
    printFigures(figures, (cpu.user + cpu.system) / 1e6, formatReplay(scenario));
    printWorkload(workload, scenario);
    // Strict, as test/sim/claim-safety.test.ts judges: any double ownership between connected nodes fails too.
    const strictFailures = scenario.strict === 1 ? figures.doubleOwnedMoments + figures.duplicatesAny : 0;
    return figures.duplicateAddresses + figures.convergence.count + figures.audit.count + strictFailures > 0 ? 1 : 0;
  } catch (e) {
    if (e instanceof SimInvariantError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
}

process.exitCode = main();
