// The restart policy: what of a state file is still worth anything after the
// daemon was down. Claims and leases lose the downtime, leases that ran out or
// lie outside a kept block are dropped; the core decides the rest
// (core/snapshot.ts). state-file.ts is the codec of the file itself.

import type { NodeId, PersistedState } from '../core/types';
import type { BootClock, StateFile } from './state-file';

/**
 * What is still valid at `nowWallMs`: the blocks with what is left of their claims
 * (zero or less: the claim ran out while we were down, and the core inquires the
 * block again), the unexpired leases inside them, and the claims of others with what
 * is left of them (zero or less too: ran out while we were down).
 * A clock that went backwards never lengthens a lifetime beyond what was left
 * when the file was saved. With `now` on the boot clock of the same boot the file
 * was saved in, the downtime is measured on that clock and the wall clock is not used.
 */
export function toPersisted(file: StateFile, nowWallMs: number, now?: BootClock): PersistedState {
  const saved = file.savedAt;
  const downMs = saved !== undefined && now !== undefined && saved.bootId === now.bootId && now.monoMs >= saved.monoMs
    ? now.monoMs - saved.monoMs
    : undefined;
  // Negative: how long ago it ran out.
  const remaining = (expires: number): number => downMs !== undefined
    ? expires - file.savedAtWallMs - downMs
    : Math.min(expires - nowWallMs, expires - file.savedAtWallMs);
  const blocks = file.blocks.map((b) => ({ index: b.index, remainingMs: remaining(b.expiresAtWallMs) }));
  const kept = new Set(blocks.map((b) => b.index));
  const leases = file.leases
    .map((l) => ({ ip: l.ip, chaddr: l.chaddr, state: l.state, remainingMs: remaining(l.expiresAtWallMs) }))
    .filter((l) => l.remainingMs > 0 && kept.has(Math.floor((l.ip - file.prefix) / file.blockSize)));
  // Claims of others that ran out while we were down stay listed, as our blocks do: the core
  // decides what they are worth (snapshot.ts: their owners may have refreshed them meanwhile).
  const foreign = file.foreign?.map((c) => ({ index: c.index, ...ownerOf(c), remainingMs: remaining(c.expiresAtWallMs) }));
  const foreignField = foreign === undefined ? {} : { foreign };
  return { version: 1, nodeId: file.nodeId, prefix: file.prefix, prefixLen: file.prefixLen, blockSize: file.blockSize, blocks, ...foreignField, leases };
}

/** The owner fields that are there, and no keys for those that are not (exactOptionalPropertyTypes). */
function ownerOf(c: { readonly owner?: NodeId; readonly ownerAddress?: string }): { owner?: NodeId; ownerAddress?: string } {
  return { ...(c.owner === undefined ? {} : { owner: c.owner }), ...(c.ownerAddress === undefined ? {} : { ownerAddress: c.ownerAddress }) };
}
