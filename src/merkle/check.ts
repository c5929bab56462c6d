/**
 * Argument checks shared by the public entry points. Internal to src/merkle,
 * not re-exported. Tree sizes and indices are uint64 in RFC 6962 / RFC 9162
 * and in the tlog-tiles and checkpoint encodings, so every public entry point
 * rejects values outside [0, 2^64) — including numbers posing as bigints.
 */
import { MerkleError } from './errors.ts';
import { HASH_SIZE } from './hasher.ts';

/** Largest uint64: the bound for tree sizes and indices. */
export const MAX_U64 = (1n << 64n) - 1n;

export function isU64(x: unknown): x is bigint {
  return typeof x === 'bigint' && x >= 0n && x <= MAX_U64;
}

/** Throws `invalid_argument` unless `x` is a bigint in [0, 2^64). */
export function assertU64(x: unknown, name: string): asserts x is bigint {
  if (!isU64(x)) {
    throw new MerkleError('invalid_argument', `${name} must be a bigint in [0, 2^64), got ${describe(x)}`);
  }
}

export function describe(x: unknown): string {
  return typeof x === 'bigint' ? `${x}n` : typeof x === 'number' ? `number ${x}` : typeof x;
}

/** Throws MerkleError(code) unless h is a 32-byte Uint8Array. */
export function assertHash(h: unknown, name: string, code: 'invalid_argument' | 'invalid_proof'): asserts h is Uint8Array {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    const got = h instanceof Uint8Array ? `${h.length} bytes` : typeof h;
    throw new MerkleError(code, `${name} must be a ${HASH_SIZE}-byte Uint8Array, got ${got}`);
  }
}

/** Throws `invalid_proof` unless proof is an array of 32-byte Uint8Arrays. */
export function assertProofHashes(proof: unknown): asserts proof is readonly Uint8Array[] {
  if (!Array.isArray(proof)) throw new MerkleError('invalid_proof', 'proof must be an array');
  for (let i = 0; i < proof.length; i++) assertHash(proof[i], `proof[${i}]`, 'invalid_proof');
}
