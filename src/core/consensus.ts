// The block protocol: claim rounds (INQUIREs for one tentative timeout, then ours; claim-timing.ts),
// announcements (UPDATECLAIM, at most 32 entries a packet), and what INQUIRE
// and UPDATECLAIM from peers do to our table, tie-breaks included (docs/protocol.md).

import type { ClaimEntry, DdhcpMessage } from '../wire/ddhcp-message';
import { DdhcpCommand, MAX_CLAIMS_PER_PACKET } from '../wire/ddhcp-message';
import { chooseFreeBlock, deleteHeld, listOurBlocks, markClaiming, markForeign, markOurs, refreshForeign } from './blocks';
import { createOwnBlock, dropOwnLeases, usableCount } from './leases';
import { handOverLeases } from './forward';
import { claimSettled, gatherMs, roundPeriodMs } from './claim-timing';
import { restoreReclaimedLeases } from './reclaim';
import type { Block, NodeState, Step } from './state';
import { drop, emit } from './state';
import type { NodeId } from './types';

export const CLAIM_TIMER = 'claim';
export const REFRESH_TIMER = 'refresh';
/** The count byte cannot carry more; C never split INQUIREs, but never claimed so many at once either. */
const MAX_INQUIRE_ENTRIES = 255;
/** An INQUIRE flood must not turn into an UPDATECLAIM flood. */
const ANSWER_INTERVAL_MS = 1000;

function sendClaims(st: NodeState, step: Step, blocks: readonly Block[]): void {
  const timeoutSec = st.cfg.blockTimeoutSec;
  for (let i = 0; i < blocks.length; i += MAX_CLAIMS_PER_PACKET) {
    const claims: ClaimEntry[] = blocks
      .slice(i, i + MAX_CLAIMS_PER_PACKET)
      .map((b) => ({ blockIndex: b.index, timeoutSec, reserved: 0 }));
    const msg: DdhcpMessage = { ...st.header, command: DdhcpCommand.UpdateClaim, claims };
    step.out.push({ kind: 'multicast', msg });
  }
}

/** Announces every block we own, ascending, and restarts the refresh cadence (B/4). */
export function announceAll(st: NodeState, step: Step): void {
  const ours = listOurBlocks(st);
  if (ours.length === 0) {
    st.timers.cancel(REFRESH_TIMER);
    return;
  }
  const blockMs = st.cfg.blockTimeoutSec * 1000;
  for (const b of ours) b.timeoutAt = step.now + blockMs;
  sendClaims(st, step, ours);
  st.timers.set(REFRESH_TIMER, step.now + blockMs / 4);
}

/**
 * Claims `count` more free blocks. They join the next claim round; with none pending,
 * a round starts after a short gather, so a crowd's DISCOVERs share its INQUIRE.
 */
export function startClaims(st: NodeState, step: Step, count: number): number {
  let started = 0;
  for (; started < count; started++) {
    const index = chooseFreeBlock(st, (i) => usableCount(st, i) > 0);
    if (index === undefined) break;
    markClaiming(st, index);
  }
  if (started > 0 && !st.timers.has(CLAIM_TIMER)) st.timers.set(CLAIM_TIMER, step.now + gatherMs(st.cfg));
  return started;
}

/** One claim round: blocks inquired for a tentative timeout become ours, the others are inquired (again). */
export function runClaimRound(st: NodeState, step: Step): void {
  const won: Block[] = [];
  const inquire: number[] = [];
  for (const index of st.claiming) {
    const b = st.held.get(index);
    if (b === undefined || b.state !== 'claiming') continue;
    if (claimSettled(st.cfg, b.claimCount, b.firstInquireAt, step.now)) won.push(b);
    else {
      b.firstInquireAt ??= step.now;
      b.claimCount++;
      inquire.push(index);
    }
  }
  const blockMs = st.cfg.blockTimeoutSec * 1000;
  for (const b of won) {
    markOurs(st, b.index, createOwnBlock(st, b.index, step.now), step.now + blockMs);
    restoreReclaimedLeases(st, b.index, step.now);
    emit(step, { kind: 'blockOwned', index: b.index });
  }
  if (won.length > 0) {
    st.spareDirty = true;
    // Only the new blocks: while a stream of clients keeps claims coming, announcing
    // all of them each time would send every block again every few seconds.
    sendClaims(st, step, won.sort((a, b) => a.index - b.index));
    if (!st.timers.has(REFRESH_TIMER)) st.timers.set(REFRESH_TIMER, step.now + blockMs / 4);
  }
  for (let i = 0; i < inquire.length; i += MAX_INQUIRE_ENTRIES) {
    const blocks = inquire.slice(i, i + MAX_INQUIRE_ENTRIES);
    step.out.push({ kind: 'multicast', msg: { ...st.header, command: DdhcpCommand.Inquire, blocks } });
  }
  if (st.claiming.size > 0) st.timers.set(CLAIM_TIMER, step.now + roundPeriodMs(st.cfg, st.learningUntil !== undefined));
}

function answerOne(step: Step, b: Block, answers: Block[] | undefined): Block[] | undefined {
  if (step.now - b.lastAnswerAt < ANSWER_INTERVAL_MS) return answers;
  b.lastAnswerAt = step.now;
  const out = answers ?? [];
  out.push(b);
  return out;
}

// INQUIRE and UPDATECLAIM reach every node from every node: in a mesh of N nodes each
// handles N claims per refresh. So each block is looked up with one probe of the
// foreign table (our few blocks only when it is not there), a refresh from the owner
// it names touches that slot alone, and nothing is allocated unless there is
// something to answer.

export function handleInquire(st: NodeState, step: Step, from: string, sender: NodeId, indexes: readonly number[]): void {
  let answers: Block[] | undefined;
  const tentativeUntil = step.now + st.cfg.tentativeTimeoutSec * 1000;
  const ft = st.foreign;
  for (const index of indexes) {
    if (index >= st.geo.numBlocks) {
      drop(step, 'blockOutOfRange');
      continue;
    }
    const slot = ft.find(index);
    if (slot >= 0) {
      // Claimed blocks keep their claim; a tentative mark moves to this inquirer.
      if (!ft.isClaimed(slot)) refreshForeign(st, slot, index, false, sender, from, tentativeUntil);
      continue;
    }
    const b = st.held.get(index);
    if (b === undefined) {
      markForeign(st, undefined, index, false, sender, from, tentativeUntil);
    } else if (b.state === 'ours') {
      answers = answerOne(step, b, answers);
    } else if (sender > st.cfg.nodeId) {
      // Both claiming: the larger id keeps claiming (C ddhcp.c: memcmp of node ids).
      markForeign(st, b, index, false, sender, from, tentativeUntil);
      st.spareDirty = true;
    }
  }
  if (answers !== undefined) sendClaims(st, step, answers.sort((a, b) => a.index - b.index));
}

export function handleUpdateClaim(
  st: NodeState,
  step: Step,
  from: string,
  sender: NodeId,
  claims: readonly ClaimEntry[],
): void {
  let answers: Block[] | undefined;
  const ft = st.foreign;
  for (const c of claims) {
    const index = c.blockIndex;
    if (index >= st.geo.numBlocks) {
      drop(step, 'blockOutOfRange');
      continue;
    }
    const until = step.now + c.timeoutSec * 1000;
    const slot = ft.find(index);
    if (slot >= 0) {
      refreshForeign(st, slot, index, true, sender, from, until);
      continue;
    }
    const b = st.held.get(index);
    if (b?.state === 'ours') {
      if (sender > st.cfg.nodeId) {
        handOverLeases(st, step, b, from);
        dropOwnLeases(st, b);
        markForeign(st, b, index, true, sender, from, until);
        emit(step, { kind: 'blockLost', index, to: sender });
      } else {
        answers = answerOne(step, b, answers);
      }
      continue;
    }
    if (b?.state === 'claiming') st.spareDirty = true;
    markForeign(st, b, index, true, sender, from, until);
  }
  if (answers !== undefined) sendClaims(st, step, answers.sort((a, b) => a.index - b.index));
}

/** Gives a block back: it is no longer announced and peers let it expire. */
export function giveBack(st: NodeState, step: Step, b: Block): void {
  dropOwnLeases(st, b);
  deleteHeld(st, b.index);
  emit(step, { kind: 'blockGivenBack', index: b.index });
  if (st.ours.size === 0) st.timers.cancel(REFRESH_TIMER);
}
