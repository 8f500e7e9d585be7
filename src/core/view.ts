// The read-only view presenters (ctl, ubus, simulator checks) get of the core.
// Built on demand from the private state; nothing here changes it.

import { blockStart } from './ipv4';
import { LEASED, OFFERED, slotCode, slotMac, slotState } from './lease-slots';
import { freeCount, serverIdentifier } from './leases';
import type { Block, NodeState } from './state';
import type { BlockView, CoreCounts, CoreView, LeaseView } from './types';

function viewBlock(st: NodeState, b: Block): BlockView {
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
    owner: b.owner,
    ownerAddress: b.ownerAddress,
    claimCount: b.claimCount,
    timeoutAt: b.timeoutAt,
    leases,
  };
}

function listLeases(st: NodeState): LeaseView[] {
  const out: LeaseView[] = [];
  for (const index of [...st.ours].sort((a, b) => a - b)) {
    const own = st.blocks.get(index)?.own;
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
  let blocksClaimed = 0;
  let blocksTentative = 0;
  for (const b of st.blocks.values()) {
    if (b.state === 'claimed') blocksClaimed++;
    else if (b.state === 'tentative') blocksTentative++;
  }
  let leasesFree = 0;
  let leasesOffered = 0;
  let leasesLeased = 0;
  for (const index of st.ours) {
    const b = st.blocks.get(index);
    if (b === undefined) continue;
    const v = viewBlock(st, b).leases;
    leasesFree += v?.free ?? 0;
    leasesOffered += v?.offered ?? 0;
    leasesLeased += v?.leased ?? 0;
  }
  return {
    blocksOurs: st.ours.size,
    blocksClaimed,
    blocksTentative,
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
    blocks: () => [...st.blocks.values()].sort((a, b) => a.index - b.index).map((b) => viewBlock(st, b)),
    leases: () => listLeases(st),
    options: () => st.options.map((o) => ({ code: o.code, payload: o.payload.slice() })),
    counts: () => countAll(st),
    serverIdentifier: () => serverIdentifier(st),
  };
}
