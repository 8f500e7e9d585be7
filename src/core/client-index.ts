// Which address each client holds or last held in our blocks, found by its MAC:
// an open-addressing hash table (linear probing) of address offsets in one
// Int32Array. A Map keyed by the MAC as a number took ~60 bytes per client; this
// takes 8 to 16. The MAC of an entry is not stored but read from the slot it
// points at, which keeps it while the entry exists (leases.ts removes an entry
// before its slot gets another client). No policy here.

import { isKnown, type OwnBlock } from './lease-slots';

const EMPTY = -1;
const MIN_CAPACITY = 64;
const CHADDR_LEN = 16;

export class ClientIndex {
  private cells = new Int32Array(MIN_CAPACITY).fill(EMPTY);
  private count = 0;

  /** `ownOf` gives the slots of a block we own; offsets are addresses minus the network prefix. */
  constructor(
    private readonly blockSize: number,
    private readonly ownOf: (index: number) => OwnBlock | undefined,
  ) {}

  get size(): number {
    return this.count;
  }

  /** The offset of the address the client with this MAC (chaddr's first 6 bytes) holds or last held. */
  find(chaddr: Uint8Array): number | undefined {
    const mask = this.cells.length - 1;
    for (let i = hashMac(chaddr, 0) & mask; ; i = (i + 1) & mask) {
      const o = this.cells[i] ?? EMPTY;
      if (o === EMPTY) return undefined;
      if (this.holds(o, chaddr, 0)) return o;
    }
  }

  /** The client now in the slot at `offset` is found there; an older entry of the same MAC moves to it. */
  set(offset: number): void {
    const own = this.ownAt(offset);
    if (own === undefined) return;
    const at = this.chaddrAt(offset);
    const mask = this.cells.length - 1;
    for (let i = hashMac(own.chaddr, at) & mask; ; i = (i + 1) & mask) {
      const o = this.cells[i] ?? EMPTY;
      if (o === EMPTY) {
        this.cells[i] = offset;
        if (2 * ++this.count > this.cells.length) this.resize(2 * this.cells.length);
        return;
      }
      // Same MAC, same probe chain: the entry is moved in place.
      if (o === offset || this.holds(o, own.chaddr, at)) {
        this.cells[i] = offset;
        return;
      }
    }
  }

  /** Forgets the slot at `offset` if the entry of the MAC it holds points at it. */
  remove(offset: number): void {
    const own = this.ownAt(offset);
    if (own === undefined) return;
    const mask = this.cells.length - 1;
    for (let i = hashMac(own.chaddr, this.chaddrAt(offset)) & mask; ; i = (i + 1) & mask) {
      const o = this.cells[i] ?? EMPTY;
      if (o === EMPTY) return;
      if (o === offset) return this.deleteAt(i);
    }
  }

  /** Backward-shift deletion: later entries of the run move up so no lookup meets a gap before its entry. */
  private deleteAt(i: number): void {
    const mask = this.cells.length - 1;
    let hole = i;
    this.cells[hole] = EMPTY;
    this.count--;
    for (let j = (hole + 1) & mask; (this.cells[j] ?? EMPTY) !== EMPTY; j = (j + 1) & mask) {
      const o = this.cells[j] ?? EMPTY;
      const home = this.homeOf(o, mask);
      // An entry whose slot is gone can never match, so it may go anywhere.
      const stays = home !== undefined && (hole <= j ? hole < home && home <= j : hole < home || home <= j);
      if (stays) continue;
      this.cells[hole] = o;
      this.cells[j] = EMPTY;
      hole = j;
    }
    if (this.cells.length > MIN_CAPACITY && 8 * this.count < this.cells.length) this.resize(this.cells.length / 2);
  }

  /** Rebuilds at a new power-of-two capacity, dropping entries whose slot is gone. */
  private resize(capacity: number): void {
    const old = this.cells;
    this.cells = new Int32Array(capacity).fill(EMPTY);
    this.count = 0;
    const mask = capacity - 1;
    for (const o of old) {
      if (o === EMPTY) continue;
      const home = this.homeOf(o, mask);
      if (home === undefined) continue;
      let i = home;
      while ((this.cells[i] ?? EMPTY) !== EMPTY) i = (i + 1) & mask;
      this.cells[i] = o;
      this.count++;
    }
  }

  private homeOf(offset: number, mask: number): number | undefined {
    const own = this.ownAt(offset);
    return own === undefined ? undefined : hashMac(own.chaddr, this.chaddrAt(offset)) & mask;
  }

  /** Whether the slot at `offset` holds a client with the MAC at chaddr[at]. */
  private holds(offset: number, chaddr: Uint8Array, at: number): boolean {
    const own = this.ownAt(offset);
    if (own === undefined) return false;
    const from = this.chaddrAt(offset);
    for (let i = 0; i < 6; i++) if (own.chaddr[from + i] !== (chaddr[at + i] ?? 0)) return false;
    return true;
  }

  /** The slots of the block of `offset` if we own it and that slot has held a client (else the entry is stale). */
  private ownAt(offset: number): OwnBlock | undefined {
    const own = this.ownOf(Math.floor(offset / this.blockSize));
    return own !== undefined && isKnown(own, offset % this.blockSize) ? own : undefined;
  }

  private chaddrAt(offset: number): number {
    return (offset % this.blockSize) * CHADDR_LEN;
  }
}

/** Mixes the 6 MAC bytes on 32-bit integers: bench and sim MACs differ only in their last bytes. */
function hashMac(bytes: Uint8Array, at: number): number {
  const high = ((bytes[at] ?? 0) << 8) | (bytes[at + 1] ?? 0);
  const low = ((bytes[at + 2] ?? 0) << 24) | ((bytes[at + 3] ?? 0) << 16) | ((bytes[at + 4] ?? 0) << 8) | (bytes[at + 5] ?? 0);
  let h = Math.imul(low ^ Math.imul(high, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h, 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}
