// The claim-safety scenarios of src/sim/safety.ts over many seeds, judged strictly: how
// many seeds of each family break an invariant, what broke first, and the command that
// replays it. The test runs a few seeds of each; this finds the rare ones.
// `make sim-safety SIM_ARGS="[--seeds 20] [--only loss20,partition]"`

import { parseArgs } from 'node:util';
import { createCore } from '../src/core/node';
import { runScenario } from '../src/sim/run';
import { SAFETY_SCENARIOS, judge, type SafetyFamily } from '../src/sim/safety';
import { formatReplay } from '../src/sim/scenario';
import { SimInvariantError } from '../src/sim/sim-types';

const { values } = parseArgs({ options: { seeds: { type: 'string', default: '20' }, only: { type: 'string', default: '' } } });
const seeds = Math.max(1, Number(values.seeds));
const families = (Object.keys(SAFETY_SCENARIOS) as SafetyFamily[]).filter((f) => values.only === '' || (values.only ?? '').split(',').includes(f));

console.log(`claim safety over seeds 1-${seeds} (node ${process.version}); strict: any double ownership between connected nodes, any address held by two clients`);
console.log('| family | failing seeds | duplicates inside a split | C-C conflicts | first problem | CPU s |');
console.log('|---|---|---|---|---|---|');
const replays: string[] = [];
for (const family of families) {
  const failing: number[] = [];
  let first = '';
  let insideSplit = 0;
  let cConflicts = 0;
  const before = process.cpuUsage();
  for (let seed = 1; seed <= seeds; seed++) {
    const s = SAFETY_SCENARIOS[family](seed);
    let problems: readonly string[];
    try {
      const run = runScenario(s, createCore);
      const verdict = judge(run, s);
      problems = verdict.problems;
      insideSplit += verdict.duplicatesInsideSplit;
      cConflicts += verdict.cConflicts;
    } catch (e) {
      if (!(e instanceof SimInvariantError)) throw e;
      problems = [`t=${(e.at / 1000).toFixed(3)} s: ${e.detail}`];
    }
    if (problems.length === 0) continue;
    failing.push(seed);
    if (first === '') {
      first = `seed ${seed}: ${problems[0] ?? ''}`;
      replays.push(`${family}: ${formatReplay(s)}`);
    }
  }
  const used = process.cpuUsage(before);
  const list = failing.length === 0 ? '0' : `${failing.length} (${failing.join(', ')})`;
  console.log(`| ${family} | ${list} | ${insideSplit} | ${cConflicts} | ${first.replace(/\|/g, '/') || '-'} | ${((used.user + used.system) / 1e6).toFixed(1)} |`);
}
if (replays.length > 0) console.log(`\nfirst failure of each family:\n${replays.map((r) => `  ${r}`).join('\n')}`);
