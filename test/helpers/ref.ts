/** A tiny RFC 6962 §2.1 reference for tests: MTH over raw leaf inputs. */
import { createHash } from 'node:crypto';

const h = (...parts: Uint8Array[]) => {
  const x = createHash('sha256');
  for (const p of parts) x.update(p);
  return x.digest();
};

export function refRoot(leaves: readonly Uint8Array[]): Buffer {
  const n = leaves.length;
  if (n === 0) return h();
  if (n === 1) return h(Buffer.from([0]), leaves[0]!);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return h(Buffer.from([1]), refRoot(leaves.slice(0, k)), refRoot(leaves.slice(k)));
}
