// The read-only view presenters (ctl, ubus, simulator checks) get of the core.
// Built on demand from the private state; nothing here changes it.

import { countForeign, heldBlock, viewForeign } from './blocks';
import { blockStart } from './ipv4';
import { LEASED, OFFERED, slotCode, slotMac, slotState } from './lease-slots';
import { freeCount, serverIdentifier } from './leases';
import type { Block, NodeState } from './state';
import type { BlockView, CoreCounts, CoreView, LeaseView } from './types';

function viewHeld(st: NodeState, b: Block): BlockView {
  let leases: BlockView['leases'];
  if (b.own !== undefined) {
    let offered = 0;
    let leased = 0;
    for (let k = 0; k < b.own.states.length; k++) {
      const code = slotCode(b.own, k);
      if (code === OFFERED) offered++;
      else if (code === LEASED) leased++;
    }
    leases = { free: freeCount(st, b.own, b.index), offered, leased };
  }
  return {
    index: b.index,
    state: b.state,
    owner: st.cfg.nodeId,
    ownerAddress: undefined,
    claimCount: b.claimCount,
    timeoutAt: b.timeoutAt,
    leases,
  };
}

/** Blocks we hold and blocks others hold, in one list ascending by index: free blocks are absent. */
function listBlocks(st: NodeState): BlockView[] {
  const out: BlockView[] = [];
  for (const b of st.held.values()) out.push(viewHeld(st, b));
  viewForeign(st, out);
  return out.sort((a, b) => a.index - b.index);
}

function listLeases(st: NodeState): LeaseView[] {
  const out: LeaseView[] = [];
  for (const index of [...st.ours].sort((a, b) => a - b)) {
    const own = heldBlock(st, index)?.own;
    if (own === undefined || own.used === 0) continue;
    const start = blockStart(st.geo, index);
    for (let k = 0; k < own.states.length; k++) {
      const state = slotState(own, k);
      if (state === 'free') continue;
      out.push({ ip: start + k, mac: slotMac(own, k), state, expiresAt: own.expiresAt[k] ?? 0, blockIndex: index });
    }
  }
  return out;
}

function countAll(st: NodeState): CoreCounts {
  const foreign = countForeign(st);
  let leasesFree = 0;
  let leasesOffered = 0;
  let leasesLeased = 0;
  for (const index of st.ours) {
    const b = heldBlock(st, index);
    if (b === undefined) continue;
    const v = viewHeld(st, b).leases;
    leasesFree += v?.free ?? 0;
    leasesOffered += v?.offered ?? 0;
    leasesLeased += v?.leased ?? 0;
  }
  return {
    blocksOurs: st.ours.size,
    blocksClaimed: foreign.claimed,
    blocksTentative: foreign.tentative,
    blocksClaiming: st.claiming.size,
    blocksTotal: st.geo.numBlocks,
    leasesFree,
    leasesOffered,
    leasesLeased,
  };
}

export function makeView(st: NodeState): CoreView {
  return {
    config: st.cfg,
    learningUntil: st.learningUntil,
    blocks: () => listBlocks(st),
    leases: () => listLeases(st),
    options: () => st.options.map((o) => ({ code: o.code, payload: o.payload.slice() })),
    counts: () => countAll(st),
    serverIdentifier: () => serverIdentifier(st),
  };
}
