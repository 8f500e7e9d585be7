// Deliveries the simulator hands over later, node by node. At 1000 nodes a
// multicast reaches 999 cores one after another, and each core's state has left
// the cache since its last input: handled at once, each delivery cost several
// misses to memory. Most deliveries are a peer refreshing a claim this node
// does not contend (Core.heldIndexes says which may be kept back), so the wave
// only sets the receiver's bit in a shared record here, and the node takes all
// its records in order at its next own event, its state warm for the batch.
//
// A record is one datagram at one time. Records form a ring; a node reads from
// the first record that names it, so the ring keeps what the earliest unread
// node still needs and grows when that is too much. Each node has a row of bits,
// one per record, so collecting a node's records reads 32 records per word.

import type { Input, Millis } from '../core/types';

/** Records per bit word; the ring's capacity is a multiple of it. */
const WORD = 32;
const INITIAL_RECORDS = 1024;

export class DeliveryLog {
  /** Absolute number of the oldest record kept, and of the next one. */
  private head = 0;
  private tail = 0;
  private cap = INITIAL_RECORDS;
  /** Bit words per node: cap / WORD. */
  private rowWords = INITIAL_RECORDS / WORD;
  private times = new Float64Array(INITIAL_RECORDS);
  private inputs: (Input | undefined)[] = new Array<Input | undefined>(INITIAL_RECORDS).fill(undefined);
  /** Node n's bit for ring position i: bit i % 32 of word n * cap / 32 + i / 32. */
  private bits: Int32Array;

  /** `nodes`: receivers numbered below this; `oldestNeeded` gives the first record any node still has to read. */
  constructor(
    readonly nodes: number,
    private readonly oldestNeeded: () => number,
  ) {
    this.bits = new Int32Array((nodes * INITIAL_RECORDS) / WORD);
  }

  get end(): number {
    return this.tail;
  }

  /** A new record for `input` delivered at `at`, naming no receiver yet. */
  append(at: Millis, input: Input): number {
    // A word of bits is cleared whole when its first record is reused: all 32 records it
    // held last time round must be gone, so the ring is never fuller than cap - WORD.
    if (this.tail - this.head > this.cap - WORD) this.makeRoom();
    const rec = this.tail++;
    const i = rec % this.cap;
    this.times[i] = at;
    this.inputs[i] = input;
    if (i % WORD === 0) {
      const bits = this.bits;
      for (let at = i / WORD; at < bits.length; at += this.rowWords) bits[at] = 0;
    }
    return rec;
  }

  mark(rec: number, node: number): void {
    const i = rec % this.cap;
    const w = node * this.rowWords + (i >>> 5);
    this.bits[w] = (this.bits[w] as number) | (1 << (i & 31));
  }

  names(rec: number, node: number): boolean {
    const i = rec % this.cap;
    return (((this.bits[node * this.rowWords + (i >>> 5)] as number) >>> (i & 31)) & 1) === 1;
  }

  /**
   * Writes every record from `first` on that names `node`, in order, with its time, to the
   * start of `inputs` and `times`, and returns how many. The arrays are overwritten, not
   * emptied first: an emptied array gives up its store, and refilling it allocated anew
   * per batch (a tenth of a 1000-node run went to collecting that garbage).
   */
  collect(node: number, first: number, inputs: Input[], times: Millis[]): number {
    let n = 0;
    const cap = this.cap;
    const row = node * this.rowWords;
    const bits = this.bits;
    let rec = first;
    while (rec < this.tail) {
      const i = rec % cap;
      // The rest of this word, or up to the tail.
      const upTo = Math.min(this.tail, rec + (WORD - (i & 31)));
      let word = ((bits[row + (i >>> 5)] as number) >>> (i & 31)) & (upTo - rec === WORD ? -1 : (1 << (upTo - rec)) - 1);
      while (word !== 0) {
        const bit = 31 - Math.clz32(word & -word);
        const at = (i + bit) % cap;
        inputs[n] = this.inputs[at] as Input;
        times[n] = this.times[at] as number;
        n++;
        word &= word - 1;
      }
      rec = upTo;
    }
    return n;
  }

  private makeRoom(): void {
    const needed = Math.min(this.oldestNeeded(), this.tail);
    for (; this.head < needed; this.head++) this.inputs[this.head % this.cap] = undefined;
    if (this.tail - this.head <= this.cap - WORD) return;
    // Still full: double the ring, records keeping their absolute numbers.
    const cap = this.cap * 2;
    const times = new Float64Array(cap);
    const inputs = new Array<Input | undefined>(cap).fill(undefined);
    const bits = new Int32Array((this.nodes * cap) / WORD);
    for (let rec = this.head; rec < this.tail; rec++) {
      const from = rec % this.cap;
      const to = rec % cap;
      times[to] = this.times[from] as number;
      inputs[to] = this.inputs[from];
      for (let n = 0; n < this.nodes; n++) {
        if (this.names(rec, n)) {
          const w = n * (cap / WORD) + (to >>> 5);
          bits[w] = (bits[w] as number) | (1 << (to & 31));
        }
      }
    }
    this.cap = cap;
    this.rowWords = cap / WORD;
    this.times = times;
    this.inputs = inputs;
    this.bits = bits;
  }
}
