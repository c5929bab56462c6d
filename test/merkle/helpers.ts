/** Shared test helpers for test/merkle. */
import { MerkleError, type MerkleErrorCode } from '../../src/merkle/index.ts';

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const hexList = (l: readonly Uint8Array[]): string[] => l.map(hex);

/** assert.throws predicate: a MerkleError (optionally with the given code), nothing else. */
export function isMerkleError(code?: MerkleErrorCode): (e: unknown) => boolean {
  return (e) => e instanceof MerkleError && (code === undefined || e.code === code);
}

/** A copy of the proof with one bit flipped in element i. */
export function flipBit(proof: readonly Uint8Array[], i: number, bit = 0): Uint8Array[] {
  return proof.map((h, j) => {
    const c = h.slice();
    if (j === i) c[bit >> 3]! ^= 1 << (bit & 7);
    return c;
  });
}
