// Scale figures for bench/RESULTS.md: the default simulated workload (1% loss,
// churn, arriving and roaming clients) at 10, 100 and 1000 nodes for a virtual
// hour, one row each. `make sim-scale SIM_ARGS="[--sizes 10,100] [--minutes 60] [--seed 1] [--at-once]"`
// runs it bundled, as the daemon runs (under tsx, every call across modules goes through a getter).

import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { createCore } from '../src/core/node';
import { runScenario } from '../src/sim/run';
import { DEFAULT_SCENARIO } from '../src/sim/scenario';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10,100,1000' },
    minutes: { type: 'string', default: '60' },
    seed: { type: 'string', default: '1' },
    // Every delivery handed to its core at once, as before batching (same results, for comparison).
    'at-once': { type: 'boolean', default: false },
    // Set for the child that measures one row.
    row: { type: 'boolean', default: false },
  },
});
const sizes = (values.sizes ?? '').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
const minutes = Number(values.minutes);
const seed = Number(values.seed);

const header = ['nodes', 'CPU s', 'events', 'core inputs', 'inputs/node/min', 'µs/input', 'mcast pkts/node/min', 'bytes/node/min', 'wake-ups/node/min', 'ready max s', 'double-owned', 'dup addr', 'converged', 'RSS MB'];
if (values.row !== true) {
  console.log(`seed ${seed}, ${minutes} virtual minutes, default scenario otherwise${values['at-once'] === true ? ', every delivery at once' : ''} (node ${process.version})`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  // Each row in a process of its own: after the smaller runs, 1000 nodes took 10-15 % more
  // CPU than in a fresh process (code optimised for their shapes, a heap grown by them).
  for (const nodes of sizes) {
    const args = [...process.execArgv, process.argv[1] ?? '', '--row', '--sizes', String(nodes), '--minutes', String(minutes), '--seed', String(seed)];
    if (values['at-once'] === true) args.push('--at-once');
    process.stdout.write(execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  }
}
for (const nodes of values.row === true ? sizes : []) {
  const before = process.cpuUsage();
  const { figures: f } = runScenario({ ...DEFAULT_SCENARIO, seed, nodes, minutes, deliverAtOnce: values['at-once'] === true ? 1 : 0 }, createCore);
  const used = process.cpuUsage(before);
  const cpu = (used.user + used.system) / 1e6;
  const row = [
    nodes,
    cpu.toFixed(1),
    f.events,
    f.coreInputs,
    (f.coreInputs / nodes / f.virtualMinutes).toFixed(0),
    ((cpu * 1e6) / f.coreInputs).toFixed(2),
    f.mcastPacketsPerNodeMin.toFixed(2),
    f.mcastBytesPerNodeMin.toFixed(0),
    f.wakeupsPerNodeMin.toFixed(1),
    f.readyMaxSec ?? 'n/a',
    f.doubleOwnedMoments,
    f.duplicateAddresses,
    f.convergence.count === 0 ? 'yes' : `no (${f.convergence.count})`,
    (process.memoryUsage().rss / 2 ** 20).toFixed(0),
  ];
  console.log(`| ${row.join(' | ')} |`);
}
