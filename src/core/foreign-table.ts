// The blocks other nodes hold, as seen by one node: an open-addressing hash table
// of typed arrays instead of a Map of objects. Every node hears every other
// node's claims, so in a mesh of N nodes each table takes about 4N refreshes a
// minute and holds one to two entries per node: with a Map of Block objects the
// lookups missed the cache at 1000 nodes (3.3 µs per input, bench/RESULTS.md).
// Here a slot's fields share 24 bytes, and a refresh of a known claim from the
// owner it names is one probe, a look at that owner's id and address and a few
// stores, with no allocation.
//
// Linear probing over a power-of-two capacity, grown past 5/8 full (MAX_LOAD);
// deletion shifts the following entries back, so there are no tombstones and a
// lookup stops at the first empty slot.
//
// Each slot names its owner by a peer number: a peer is an owner id with the
// address it sent from, numbered per node in a small table of its own that
// compares the id as two 32-bit words (parsed from its 16 hex digits) and the
// address by reference first, instead of hashing and comparing strings in a Map
// (two Map lookups per message cost more than the rest of a claim at 1000 nodes).
// A refresh compares the slot's peer's id and address with the sender's by
// reference: the decoder hands out one string per node id. A mesh has at most as many
// owners as nodes; peers no entry refers to any more are dropped when there are
// more than four per entry (and at least MIN_PEERS), so a peer sending from ever
// new addresses cannot grow the table without bound.

import type { Millis, NodeId } from './types';

/** No slot found (find returns a slot >= 0 otherwise); also "not filed in an expiry bucket". */
export const NONE = -1;

/** Bytes per slot: f64 timeoutAt, f64 expiry bucket, i32 key + 1 (0: empty), i32 peer << 2 | claimed. */
const SLOT_BYTES = 24;
const F64_STRIDE = SLOT_BYTES / 8;
const I32_STRIDE = SLOT_BYTES / 4;
const MIN_CAPACITY = 16;
/**
 * Fuller than half: at 1000 nodes a table holds about 1100 entries, 2048 slots at 5/8
 * but 4096 at 1/2, and 1000 such tables (48 or 96 MB) are what the claims miss in.
 * Probe runs stay short: two or three slots share a cache line.
 */
const MAX_LOAD = 5 / 8;
/** Peer table slots: id high word, id low word, peer number + 1 (0: empty), 1 if the id is 16 lower-case hex digits. */
const PEER_STRIDE = 4;
/** Unreferenced peers are dropped only past this many: below it a compaction would cost more than it saves. */
export const MIN_PEERS = 1024;

/**
 * An owner id as two 32-bit words, the form the peer table compares. Ids are 16 lower-case
 * hex digits by contract (NodeId); anything else gets a hash here and is told apart by
 * its string. The last id parsed is remembered: every node handles the same message in
 * turn in a simulation (a cache of a pure function, the same for every core).
 */
let lastId: string | undefined;
let lastHi = 0;
let lastLo = 0;
let lastExact = 0;

function parseId(id: string): void {
  if (id === lastId) return;
  let hi = 0;
  let lo = 0;
  let exact = id.length === 16 ? 1 : 0;
  for (let i = 0; i < 16 && exact === 1; i++) {
    const c = id.charCodeAt(i);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
    if (d < 0) exact = 0;
    else if (i < 8) hi = (hi << 4) | d;
    else lo = (lo << 4) | d;
  }
  if (exact === 0) {
    // FNV-1a over the UTF-16 code units, two ways: only a hash, the string decides.
    hi = 0x811c9dc5;
    lo = 0x050c5d1f;
    for (let i = 0; i < id.length; i++) {
      hi = Math.imul(hi ^ id.charCodeAt(i), 0x01000193);
      lo = Math.imul(lo ^ id.charCodeAt(i), 0x5bd1e995);
    }
  }
  lastId = id;
  // As the Int32Array stores them: the hash seeds are above 2^31.
  lastHi = hi | 0;
  lastLo = lo | 0;
  lastExact = exact;
}

export class ForeignTable {
  /** Entries in use. */
  size = 0;
  private warmSeen = 0;
  private mask = MIN_CAPACITY - 1;
  private shift = 32 - Math.log2(MIN_CAPACITY);
  /** The same buffer seen as doubles (times) and as 32-bit integers (key, state, peer). */
  private f64: Float64Array;
  private i32: Int32Array;
  /** Peer number -> its owner id and address. */
  private peerIds: NodeId[] = [];
  private peerAddresses: string[] = [];
  /** Per peer number: its id's words and whether the id is exact (parseId), what update() puts in a slot. */
  private peerWords = new Int32Array(3 * MIN_CAPACITY);
  /** Open addressing over (id words, address): peer numbers. */
  private peerTable = new Int32Array(MIN_CAPACITY * PEER_STRIDE);
  private peerMask = MIN_CAPACITY - 1;
  private peerShift = 32 - Math.log2(MIN_CAPACITY);

  constructor() {
    const buf = new ArrayBuffer(MIN_CAPACITY * SLOT_BYTES);
    this.f64 = new Float64Array(buf);
    this.i32 = new Int32Array(buf);
  }

  get capacity(): number {
    return this.mask + 1;
  }

  /** Peers numbered, referenced or not (bounded: see the file comment). */
  get peerCount(): number {
    return this.peerIds.length;
  }

  /**
   * Reads the table front to back, a word per cache line, so that many lookups about to
   * follow find their slots in the cache: read in order, the lines stream in; looked up
   * in a batch's order, each one missed in turn (bench/RESULTS.md, the simulator).
   */
  warm(): void {
    const i32 = this.i32;
    let seen = 0;
    for (let i = 4; i < i32.length; i += 16) seen |= i32[i] as number;
    // And the peers, which a refresh compares by reference (isFrom).
    const ids = this.peerIds;
    const addresses = this.peerAddresses;
    // Compared with undefined, not with each other: that would read the strings themselves.
    for (let p = 0; p < ids.length; p += 8) seen |= (ids[p] === undefined ? 1 : 0) | (addresses[p] === undefined ? 2 : 0);
    // Kept, so the reads are not optimised away.
    this.warmSeen = seen;
  }

  /** Fibonacci hashing: block indexes are small consecutive integers, the top bits of the product spread them. */
  private home(index: number): number {
    return Math.imul(index, 0x9e3779b1) >>> this.shift;
  }

  /** The slot holding `index`, or NONE. Slots move when an entry is inserted or deleted. */
  find(index: number): number {
    const i32 = this.i32;
    const key = index + 1;
    for (let s = this.home(index); ; s = (s + 1) & this.mask) {
      const k = i32[s * I32_STRIDE + 4] as number;
      if (k === key) return s;
      if (k === 0) return NONE;
    }
  }

  /** Adds an entry for an index not in the table; returns its slot (not filed in a bucket). */
  insert(index: number, claimed: boolean, peer: number, timeoutAt: Millis): number {
    if (this.size + 1 > MAX_LOAD * this.capacity) this.grow();
    const i32 = this.i32;
    let s = this.home(index);
    while ((i32[s * I32_STRIDE + 4] as number) !== 0) s = (s + 1) & this.mask;
    this.size++;
    i32[s * I32_STRIDE + 4] = index + 1;
    this.f64[s * F64_STRIDE + 1] = NONE;
    this.update(s, claimed, peer, timeoutAt);
    return s;
  }

  /** A new claim or tentative mark on a known entry, from the peer `peer` returned. */
  update(slot: number, claimed: boolean, peer: number, timeoutAt: Millis): void {
    this.i32[slot * I32_STRIDE + 5] = (peer << 2) | (claimed ? 1 : 0);
    this.f64[slot * F64_STRIDE] = timeoutAt;
  }

  /** A new claim or tentative mark on a known entry from the owner it names (see isFrom). */
  refresh(slot: number, claimed: boolean, timeoutAt: Millis): void {
    const b = slot * I32_STRIDE + 5;
    this.i32[b] = ((this.i32[b] as number) & ~1) | (claimed ? 1 : 0);
    this.f64[slot * F64_STRIDE] = timeoutAt;
  }

  /**
   * Whether the entry in `slot` names this owner id and address. The decoder hands out one
   * string per id and the sender's address is one string too, so both usually compare by
   * reference; parsing the id instead cost more once a core took many senders in a row.
   */
  isFrom(slot: number, owner: NodeId, address: string): boolean {
    const p = (this.i32[slot * I32_STRIDE + 5] as number) >>> 2;
    return this.peerIds[p] === owner && this.peerAddresses[p] === address;
  }

  /** Removes the entry in `slot`, shifting later entries of its probe run back into the gap. */
  deleteSlot(slot: number): void {
    const i32 = this.i32;
    const mask = this.mask;
    let hole = slot;
    for (let j = (slot + 1) & mask; ; j = (j + 1) & mask) {
      const k = i32[j * I32_STRIDE + 4] as number;
      if (k === 0) break;
      const home = this.home(k - 1);
      // The entry at j may fill the hole if the hole lies on its probe path, from home to j.
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        i32.copyWithin(hole * I32_STRIDE, j * I32_STRIDE, (j + 1) * I32_STRIDE);
        hole = j;
      }
    }
    i32.fill(0, hole * I32_STRIDE, (hole + 1) * I32_STRIDE);
    this.size--;
  }

  /** The block index in a used slot. */
  indexAt(slot: number): number {
    return (this.i32[slot * I32_STRIDE + 4] as number) - 1;
  }

  isUsed(slot: number): boolean {
    return (this.i32[slot * I32_STRIDE + 4] as number) !== 0;
  }

  /** Claimed (announced) rather than tentative (inquired). */
  isClaimed(slot: number): boolean {
    return ((this.i32[slot * I32_STRIDE + 5] as number) & 1) === 1;
  }

  timeoutAt(slot: number): Millis {
    return this.f64[slot * F64_STRIDE] as number;
  }

  bucketAt(slot: number): number {
    return this.f64[slot * F64_STRIDE + 1] as number;
  }

  /** Not filed in any expiry bucket. */
  clearBucket(slot: number): void {
    this.f64[slot * F64_STRIDE + 1] = NONE;
  }

  setBucket(slot: number, bucket: number): void {
    this.f64[slot * F64_STRIDE + 1] = bucket;
  }

  ownerAt(slot: number): NodeId {
    return this.peerIds[(this.i32[slot * I32_STRIDE + 5] as number) >>> 2] ?? '';
  }

  addressAt(slot: number): string {
    return this.peerAddresses[(this.i32[slot * I32_STRIDE + 5] as number) >>> 2] ?? '';
  }

  /**
   * The number of the peer with this id and address, added if new. Valid until the next
   * call: a call may drop peers no entry refers to and renumber the others.
   */
  peer(owner: NodeId, address: string): number {
    parseId(owner);
    const hi = lastHi;
    const lo = lastLo;
    const exact = lastExact;
    const t = this.peerTable;
    for (let s = this.peerHome(hi, lo); ; s = (s + 1) & this.peerMask) {
      const b = s * PEER_STRIDE;
      const ref = t[b + 2] as number;
      if (ref === 0) break;
      if (t[b] === hi && t[b + 1] === lo && t[b + 3] === exact) {
        const p = ref - 1;
        if (this.peerAddresses[p] === address && (exact === 1 || this.peerIds[p] === owner)) return p;
      }
    }
    if (this.peerIds.length + 1 > Math.max(MIN_PEERS, 4 * this.size)) this.compactPeers();
    const p = this.peerIds.length;
    this.peerIds.push(owner);
    this.peerAddresses.push(address);
    if (3 * (p + 1) > this.peerWords.length) {
      const words = new Int32Array(2 * this.peerWords.length);
      words.set(this.peerWords);
      this.peerWords = words;
    }
    this.peerWords[3 * p] = hi;
    this.peerWords[3 * p + 1] = lo;
    this.peerWords[3 * p + 2] = exact;
    // At most half full, so probes stay short and always end.
    if ((p + 1) * 2 > this.peerMask + 1) this.resizePeerTable(2 * (this.peerMask + 1));
    else this.filePeer(hi, lo, exact, p);
    return p;
  }

  private peerHome(hi: number, lo: number): number {
    return Math.imul(hi ^ Math.imul(lo, 0x9e3779b1), 0x85ebca6b) >>> this.peerShift;
  }

  /** Files peer p in the peer table, which has room. */
  private filePeer(hi: number, lo: number, exact: number, p: number): void {
    const t = this.peerTable;
    let s = this.peerHome(hi, lo);
    while ((t[s * PEER_STRIDE + 2] as number) !== 0) s = (s + 1) & this.peerMask;
    const b = s * PEER_STRIDE;
    t[b] = hi;
    t[b + 1] = lo;
    t[b + 2] = p + 1;
    t[b + 3] = exact;
  }

  /** An empty peer table of `capacity` slots with every numbered peer filed again. */
  private resizePeerTable(capacity: number): void {
    this.peerTable = new Int32Array(capacity * PEER_STRIDE);
    this.peerMask = capacity - 1;
    this.peerShift = 32 - Math.log2(capacity);
    const w = this.peerWords;
    for (let p = 0; p < this.peerIds.length; p++) this.filePeer(w[3 * p] as number, w[3 * p + 1] as number, w[3 * p + 2] as number, p);
  }

  /** Keeps only the peers some entry refers to, renumbered in order of first reference. */
  private compactPeers(): void {
    const remap = new Int32Array(this.peerIds.length).fill(NONE);
    const ids: NodeId[] = [];
    const addresses: string[] = [];
    const words = new Int32Array(this.peerWords.length);
    const i32 = this.i32;
    for (let s = 0; s <= this.mask; s++) {
      const b = s * I32_STRIDE;
      if (i32[b + 4] === 0) continue;
      const f = i32[b + 5] as number;
      const old = f >>> 2;
      let now = remap[old] as number;
      if (now === NONE) {
        now = ids.length;
        ids.push(this.peerIds[old] ?? '');
        addresses.push(this.peerAddresses[old] ?? '');
        words[3 * now] = this.peerWords[3 * old] as number;
        words[3 * now + 1] = this.peerWords[3 * old + 1] as number;
        words[3 * now + 2] = this.peerWords[3 * old + 2] as number;
        remap[old] = now;
      }
      i32[b + 5] = (now << 2) | (f & 3);
    }
    this.peerIds = ids;
    this.peerAddresses = addresses;
    this.peerWords = words;
    let capacity = MIN_CAPACITY;
    while (capacity < 2 * (ids.length + 1)) capacity *= 2;
    this.resizePeerTable(capacity);
  }

  private grow(): void {
    const oldI32 = this.i32;
    const oldF64 = this.f64;
    const oldCapacity = this.capacity;
    const capacity = oldCapacity * 2;
    const buf = new ArrayBuffer(capacity * SLOT_BYTES);
    this.f64 = new Float64Array(buf);
    this.i32 = new Int32Array(buf);
    this.mask = capacity - 1;
    this.shift--;
    for (let s = 0; s < oldCapacity; s++) {
      const k = oldI32[s * I32_STRIDE + 4] as number;
      if (k === 0) continue;
      let t = this.home(k - 1);
      while ((this.i32[t * I32_STRIDE + 4] as number) !== 0) t = (t + 1) & this.mask;
      this.f64.set(oldF64.subarray(s * F64_STRIDE, (s + 1) * F64_STRIDE), t * F64_STRIDE);
    }
  }
}
