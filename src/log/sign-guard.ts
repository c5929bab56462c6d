/**
 * The one check before a tree head is signed or served (Rekor checkpoints, CT signed tree heads,
 * the head loaded at start-up or reloaded from storage): never behind what was signed, never beside
 * it. A new head must be at least as large as every head already signed that this instance knows
 * of (the checkpoint it serves, its signed-state record, the newest checkpoint in storage), have
 * the same root at the same size, and extend each one — proven by a consistency proof computed
 * from the new tree and checked here, in code, with verifyConsistency.
 *
 * Otherwise the caller refuses to sign (RefuseToSign: 503 for writers) and keeps serving the last
 * good checkpoint. Signing anyway would fork the log: two signed heads that no consistency proof
 * can join, which every monitor treats as proof of a compromised log.
 */
import { ProvenantError } from '../errors.ts';
import { bytesEqual, verifyConsistency } from '../merkle/index.ts';
import type { Head } from './store.ts';

/** A head signed before, and where it is known from (for messages). */
export interface SignedHead extends Head {
  readonly source: string;
}

/**
 * refuse_to_sign with a condition: the sequencer logs each condition once, not once per batch.
 * Conditions: 'behind' (storage or a new head is smaller than a signed one), 'fork' (same size,
 * another root; or no consistency proof), 'unprovable' (the proof could not be computed), 'clock'
 * (integratedTime would go backwards), 'record' (the signed-state record cannot be written).
 */
export class RefuseToSign extends ProvenantError {
  constructor(
    readonly condition: string,
    message: string,
    cause?: unknown,
  ) {
    super('refuse_to_sign', message, { retryAfterSeconds: 1, ...(cause === undefined ? {} : { cause }) });
  }
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * The synchronous part: `next` is not smaller than `signed`, and at the same size has the same
 * root. (The CT log's STH uses this alone: the heads it signs have passed assertExtends.)
 */
export function assertNotBehind(next: Head, signed: SignedHead, what = 'the new tree head'): void {
  if (next.size < signed.size) {
    throw new RefuseToSign('behind', `${what} has ${next.size} entries, but ${signed.source} was signed for ${signed.size}: storage is behind what was signed (an old backup restored, or a failover to a lagging replica?); refusing to sign`);
  }
  if (next.size === signed.size && !bytesEqual(next.root, signed.root)) {
    throw new RefuseToSign('fork', `${what} at size ${next.size} has root ${hex(next.root)}, but ${signed.source} was signed for the same size with root ${hex(signed.root)}; refusing to sign`);
  }
}

/**
 * Throws RefuseToSign unless `next` extends every head in `signed` (see the file comment).
 * `prove(size1)` returns the consistency proof from size1 to next.size, computed from the new
 * tree's own nodes (requires 0 < size1 < next.size); any failure to compute it is a refusal too.
 * Heads of size 0 are extended by every tree.
 */
export async function assertExtends(
  next: Head,
  signed: readonly (SignedHead | undefined)[],
  prove: (size1: bigint) => Promise<Uint8Array[]>,
  what?: string,
): Promise<void> {
  const checked: SignedHead[] = [];
  for (const s of signed) {
    if (!s) continue;
    assertNotBehind(next, s, what);
    // The same head known from several sources (the usual case) is proven once.
    if (s.size === 0n || s.size === next.size || checked.some((c) => c.size === s.size && bytesEqual(c.root, s.root))) continue;
    let proof: Uint8Array[];
    try {
      proof = await prove(s.size);
    } catch (e) {
      throw new RefuseToSign('unprovable', `cannot compute the consistency proof from ${s.source} (size ${s.size}) to the new tree head (size ${next.size}): ${(e as Error).message}; refusing to sign`, e);
    }
    if (!verifyConsistency(s.size, next.size, proof, s.root, next.root)) {
      throw new RefuseToSign('fork', `${what ?? 'the new tree head'} (size ${next.size}, root ${hex(next.root)}) does not extend ${s.source} (size ${s.size}, root ${hex(s.root)}): the consistency proof fails; refusing to sign`);
    }
    checked.push(s);
  }
}
