// A whole simulated run described by plain numbers, so that any run, including
// a failing test, can be replayed from the command line (`npm run sim -- ...`):
// the address plan, the medium, node churn, client arrivals/roams, a partition.

import { DEFAULTS, toCoreConfig } from '../config/config';
import type { CoreConfig, Millis } from '../core/types';
import { err, ok, type Result } from '../wire/result';
import { SimRng, createRng } from './rng';
import type { CoreFactory } from './sim-node';
import { Simulator } from './simulator';
import { realTranscoder } from './transcode';
import { C_NODE_ID, withCNodes } from './c-node';
import type { Scenario } from './scenario-spec';
import { Workloads } from './workloads';

export type { Scenario } from './scenario-spec';

export const DEFAULT_SCENARIO: Scenario = {
  seed: 1, nodes: 50, minutes: 60,
  loss: 0.01, duplicate: 0.005, latencyMin: 2, latencyMax: 40, waves: 4, spike: 0, spikeMax: 3000, clientLatency: 2,
  prefixLen: 0, blockSizePow: 3, spareLeases: 2, maxLeases: 0, blockTimeout: 60, tentativeTimeout: 15, needlessTimeout: 300, leaseTime: 300, learning: 1, probe: DEFAULTS.probeMs,
  startSpread: 30, lateFraction: 0.05,
  churn: 0.5, downMin: 10, downMax: 180, freshRestart: 0,
  clientsPerNodeHour: 6, clientStay: 1800, roamsPerClientHour: 2, rebootOnRoam: 0.3, releaseOnLeave: 0.5,
  partitionAt: -1, partitionFor: 120, partitionFraction: 0.5,
  quiet: 300, auditEvery: 300, conflictWindow: 0, deliverAtOnce: 0, strict: 0, clientRetry: 0, cNodes: 0,
  giveUp: 0, joinAt: -1, crowd: 0, crowdAt: 0, crowdNodes: 1, arrivalRate: 0, arrivalAt: 0, arrivalFor: 0, arrivalWarmup: 0,
  flood: 0, floodAt: 0, floodRate: 1000, rebootAllAt: -1, rebootAllOver: 600, rebootAllFresh: 1,
};

/** Gluon's next-node address stand-in: the same on every node, outside the managed range. */
export const SERVER_ID = 0xac1ffffe;

export function toFlag(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/** The command that replays `s`: only values that differ from the defaults are written. */
export function formatReplay(s: Scenario): string {
  const args = [`--seed ${s.seed}`, `--nodes ${s.nodes}`];
  for (const [key, value] of Object.entries(s)) {
    if (key === 'seed' || key === 'nodes') continue;
    if (DEFAULT_SCENARIO[key as keyof Scenario] !== value) args.push(`${toFlag(key)} ${value}`);
  }
  return `npm run sim -- ${args.join(' ')}`;
}

/** The inverse of formatReplay: flags (`--nodes 50 --loss 0.05`) over the defaults. */
export function parseScenarioArgs(argv: readonly string[]): Result<Scenario, string> {
  const out: Record<string, number> = { ...DEFAULT_SCENARIO };
  const byFlag = new Map(Object.keys(DEFAULT_SCENARIO).map((k) => [toFlag(k), k]));
  for (let i = 0; i < argv.length; i += 2) {
    const flag = argv[i] ?? '';
    const [name, inline] = flag.includes('=') ? [flag.slice(0, flag.indexOf('=')), flag.slice(flag.indexOf('=') + 1)] : [flag, undefined];
    const key = byFlag.get(name);
    if (key === undefined) return err(`unknown option '${name}' (known: ${[...byFlag.keys()].join(' ')})`);
    const text = inline ?? argv[i + 1];
    if (inline !== undefined) i--;
    const n = Number(text);
    if (text === undefined || text.trim() === '' || !Number.isFinite(n)) return err(`${name} needs a number, got '${text ?? ''}'`);
    out[key] = n;
  }
  if (!Number.isInteger(out['nodes']) || (out['nodes'] ?? 0) < 1) return err('--nodes must be a whole number of at least 1');
  return ok(out as unknown as Scenario);
}

export function choosePrefixLen(s: Scenario): number {
  if (s.prefixLen > 0) return s.prefixLen;
  const steadyClients = (s.clientsPerNodeHour * s.clientStay) / 3600;
  const blocksNeeded = s.nodes * (2 + Math.ceil((steadyClients + s.spareLeases) / 2 ** s.blockSizePow));
  const blockBits = Math.ceil(Math.log2(blocksNeeded * 8));
  return Math.min(32 - s.blockSizePow - 1, Math.max(8, 32 - s.blockSizePow - blockBits));
}

export function buildCoreConfig(s: Scenario): Omit<CoreConfig, 'nodeId'> {
  const prefixLen = choosePrefixLen(s);
  const { nodeId: _unused, ...cfg } = toCoreConfig(
    {
      ...DEFAULTS,
      network: { prefix: (0x0a000000 & (0xffffffff << (32 - prefixLen))) >>> 0, prefixLen },
      blockSizePow: s.blockSizePow,
      blockTimeoutSec: s.blockTimeout,
      tentativeTimeoutSec: s.tentativeTimeout,
      needlessTimeoutSec: s.needlessTimeout,
      spareLeases: s.spareLeases,
      maxLeases: s.maxLeases > 0 ? s.maxLeases : undefined,
      learning: s.learning !== 0,
      probeMs: s.probe,
      leaseTimeSec: s.leaseTime,
    },
    '0000000000000000',
  );
  return cfg;
}

export function chooseConflictWindow(s: Scenario): Millis {
  if (s.conflictWindow > 0) return s.conflictWindow;
  // A conflict ends when the loser hears the winner's claim: a few latencies, or up to
  // the next refresh (a quarter block timeout) when a healed partition revealed it.
  // With loss, later announcements may be needed too.
  return 4 * s.latencyMax + s.blockTimeout * 250 + (s.loss > 0 ? s.blockTimeout * 1000 : 0) + (s.spike > 0 ? s.spikeMax : 0);
}

/** `replay` overrides the printed command for runs a test scripts by hand. */
export function createSimulator(s: Scenario, createCore: CoreFactory, replay = formatReplay(s)): Simulator {
  return new Simulator({
    seed: s.seed,
    createCore: s.cNodes > 0 ? withCNodes(createCore) : createCore,
    coreConfig: buildCoreConfig(s),
    network: { latencyMinMs: s.latencyMin, latencyMaxMs: s.latencyMax, loss: s.loss, duplicate: s.duplicate, multicastWaves: s.waves, spike: s.spike, spikeMaxMs: s.spikeMax },
    serverId: SERVER_ID,
    clientLatencyMs: s.clientLatency,
    conflictWindowMs: chooseConflictWindow(s),
    transcoder: realTranscoder,
    replay,
    failOnDuplicate: true,
    strictDuplicates: s.strict === 1,
    ownershipJudgement: {
      exemptPair: (a, b) => isCNode(s, a) && isCNode(s, b),
      // A claim takes 3T/2 (C: three housekeeping runs of T>>1 s): one begun in the last
      // moments of a partition ends after the heal, never having heard the owner.
      healGraceMs: 2 * s.tentativeTimeout * 1000 + 4 * s.latencyMax,
    },
    clientTiming: { retryMs: s.clientRetry },
    deliverAtOnce: s.deliverAtOnce === 1,
  });
}

/**
 * Adds the nodes and schedules starts, churn, clients, the partition and the scripted
 * workloads of `s` on `sim`; returns the workloads, which hold their figures.
 */
export function scheduleScenario(sim: Simulator, s: Scenario): Workloads {
  const rng = createRng(s.seed ^ 0x5ce7a210);
  const endMs = s.minutes * 60000;
  const calmAt = Math.max(0, endMs - s.quiet * 1000);
  for (let i = 0; i < s.nodes; i++) {
    const node = sim.addNode();
    if (isCNode(s, i)) sim.nodeAt(node).nodeId = C_NODE_ID;
    const late = rng.chance(s.lateFraction) && calmAt > s.startSpread * 1000;
    const startAt = late ? rng.between(s.startSpread * 1000, calmAt) : rng.between(0, s.startSpread * 1000);
    sim.at(Math.round(startAt), () => sim.startNode(node));
  }
  scheduleChurn(sim, s, rng.fork(), calmAt);
  scheduleClients(sim, s, rng.fork(), calmAt);
  if (s.partitionAt >= 0) {
    const island = sim.nodes.filter(() => rng.chance(s.partitionFraction)).map((n) => n.index);
    sim.at(s.partitionAt * 1000, () => sim.partition([island]));
    sim.at(Math.min(calmAt, (s.partitionAt + s.partitionFor) * 1000), () => sim.heal());
  }
  sim.at(calmAt, () => {
    sim.heal();
    sim.network.update({ loss: 0, duplicate: 0, spike: 0 });
  });
  // Forked last, so that runs without workloads draw exactly as they did before.
  const workloads = new Workloads(sim, s, rng.fork());
  workloads.schedule();
  return workloads;
}

function scheduleChurn(sim: Simulator, s: Scenario, rng: SimRng, calmAt: Millis): void {
  if (s.churn <= 0 || s.nodes === 0) return;
  const meanGapMs = 3600000 / (s.churn * s.nodes);
  const lastStop = calmAt - s.downMax * 1000;
  for (let t = rng.exponential(meanGapMs); t < lastStop; t += rng.exponential(meanGapMs)) {
    const node = rng.nextInt(s.nodes);
    const downMs = rng.between(s.downMin, s.downMax) * 1000;
    const restore = !rng.chance(s.freshRestart);
    const moves = rng.fork();
    sim.at(Math.round(t), () => {
      if (!sim.nodeAt(node).isUp) return;
      sim.stopNode(node);
      // Its clients re-associate with a neighbour, some with INIT-REBOOT.
      for (const c of sim.clients) {
        if (c.node === node) sim.roamClient(c.index, findUpNode(sim, (node + 1 + moves.nextInt(s.nodes - 1)) % s.nodes), moves.chance(s.rebootOnRoam));
      }
      sim.at(Math.round(sim.now + downMs), () => sim.startNode(node, restore));
    });
  }
}

function scheduleClients(sim: Simulator, s: Scenario, rng: SimRng, calmAt: Millis): void {
  if (s.clientsPerNodeHour <= 0 || s.nodes === 0) return;
  const meanGapMs = 3600000 / (s.clientsPerNodeHour * s.nodes);
  for (let t = rng.exponential(meanGapMs); t < calmAt; t += rng.exponential(meanGapMs)) {
    const home = servingNode(s, rng.nextInt(s.nodes));
    const leaveAt = t + rng.exponential(s.clientStay * 1000);
    const release = rng.chance(s.releaseOnLeave);
    const roams: { at: number; to: number; reboot: boolean }[] = [];
    if (s.roamsPerClientHour > 0) {
      const gap = 3600000 / s.roamsPerClientHour;
      for (let r = t + rng.exponential(gap); r < Math.min(leaveAt, calmAt); r += rng.exponential(gap)) {
        roams.push({ at: Math.round(r), to: servingNode(s, rng.nextInt(s.nodes)), reboot: rng.chance(s.rebootOnRoam) });
      }
    }
    sim.at(Math.round(t), () => {
      const client = sim.addClient(findUpNode(sim, home));
      for (const roam of roams) sim.at(roam.at, () => sim.roamClient(client, findUpNode(sim, roam.to), roam.reboot));
      if (leaveAt < calmAt) sim.at(Math.round(leaveAt), () => (release ? sim.releaseClient(client) : sim.leaveClient(client)));
    });
  }
}

/** The last cNodes of the scenario's nodes run the C model (a node joining later runs ours). */
function isCNode(s: Scenario, index: number): boolean {
  return index >= s.nodes - s.cNodes && index < s.nodes;
}

/** The C model serves no clients: with C nodes, the draw is folded onto our nodes (the first ones). */
function servingNode(s: Scenario, drawn: number): number {
  return s.cNodes > 0 ? drawn % Math.max(1, s.nodes - s.cNodes) : drawn;
}

/** Clients associate only with a running node: the wanted one, else the next one up. */
function findUpNode(sim: Simulator, wanted: number): number {
  const n = sim.nodes.length;
  for (let k = 0; k < n; k++) {
    const i = (wanted + k) % n;
    if (sim.nodeAt(i).isUp) return i;
  }
  return wanted;
}
