/**
 * Errors thrown by the Merkle code. Pure: no HTTP knowledge; `src/api/errors.ts`
 * maps the codes to responses.
 *
 * - `invalid_argument`: a size, index, node id, width or hash length violates the
 *   stated precondition of the function (e.g. index >= size, size >= 2^64).
 * - `invalid_proof`: the proof has the wrong shape (wrong number of hashes, a
 *   hash that is not 32 bytes, a non-empty proof where none is allowed).
 * - `root_mismatch`: the proof is well formed but recomputes a root that differs
 *   from the one the caller supplied.
 */
export type MerkleErrorCode = 'invalid_proof' | 'invalid_argument' | 'root_mismatch';

export class MerkleError extends Error {
  override readonly name = 'MerkleError';
  readonly code: MerkleErrorCode;

  constructor(code: MerkleErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
