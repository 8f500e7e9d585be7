// Shared settings for the codec fuzz tests: one fixed seed and run count (env
// FUZZ_SEED, FUZZ_RUNS), and a byte-level mutator for "mutated valid input".

import fc from 'fast-check';

export const FUZZ_SEED = Number(process.env['FUZZ_SEED'] ?? 20240611);
export const FUZZ_RUNS = Number(process.env['FUZZ_RUNS'] ?? 100_000);

/** fast-check parameters; a failure report carries the seed and path to replay it. */
export function fuzzParams(runs = FUZZ_RUNS): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns: runs, endOnFailure: true };
}

export function describeFuzz(runs = FUZZ_RUNS): string {
  return `fuzz seed ${FUZZ_SEED}, ${runs} runs (replay: FUZZ_SEED=${FUZZ_SEED} FUZZ_RUNS=${runs})`;
}

type Mutation =
  | { kind: 'set'; at: number; value: number }
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
);

function applyMutation(bytes: Uint8Array, m: Mutation): Uint8Array {
  const at = bytes.length === 0 ? 0 : m.at % (bytes.length + 1);
  switch (m.kind) {
    case 'set':
    case 'flip': {
      if (bytes.length === 0) return bytes;
      const out = new Uint8Array(bytes);
      const i = at % bytes.length;
      out[i] = m.kind === 'set' ? m.value : (out[i] ?? 0) ^ (1 << m.bit);
      return out;
    }
    case 'truncate':
      return bytes.slice(0, at);
    case 'insert': {
      const out = new Uint8Array(bytes.length + m.bytes.length);
      out.set(bytes.subarray(0, at));
      out.set(m.bytes, at);
      out.set(bytes.subarray(at), at + m.bytes.length);
      return out;
    }
    case 'delete': {
      const out = new Uint8Array(Math.max(0, bytes.length - m.length));
      out.set(bytes.subarray(0, at).subarray(0, out.length));
      if (at < out.length) out.set(bytes.subarray(at + m.length), at);
      return out;
    }
  }
}

/** One of `seeds` with 1 to `maxMutations` random edits applied. */
export function mutatedFrom(seeds: readonly Uint8Array[], maxMutations = 4): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(mutationArb, { minLength: 1, maxLength: maxMutations }))
    .map(([seed, muts]) => muts.reduce(applyMutation, seed));
}

/**
 * Bytes of a random length in [minLength, maxLength] filled from a small seed.
 * Much cheaper than fc.uint8Array for long values (one draw, not one per byte);
 * shrinking is coarser, which is fine for a codec fuzz target.
 */
export function cheapBytes(minLength: number, maxLength: number): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.integer({ min: minLength, max: maxLength }), fc.integer({ min: 1, max: 0x7fffffff })).map(([length, seed]) => {
    const out = new Uint8Array(length);
    let x = seed;
    for (let i = 0; i < length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 255;
    }
    return out;
  });
}
