/**
 * Full tiles kept in memory for proofs. Full tiles are immutable, so a cached tile is never stale.
 * Eviction is "second chance" (CLOCK): a hit only sets a flag — no reordering on the hot path — and
 * eviction passes over flagged tiles once, so hot tiles (the upper levels) stay.
 */
import { TileHashes } from '../merkle/index.ts';

interface Slot {
  tile: TileHashes;
  used: boolean;
}

export class TileCache {
  readonly #map = new Map<string, Slot>();
  constructor(private readonly capacity: number) {}

  get(key: string): TileHashes | undefined {
    const s = this.#map.get(key);
    if (s === undefined) return undefined;
    s.used = true;
    return s.tile;
  }

  /** Adopts the arrays (no copy): callers pass fresh rows or freshly built tiles, never reused. */
  set(key: string, hashes: Uint8Array, inner?: Uint8Array): TileHashes {
    const tile = TileHashes.adopt(hashes, inner);
    this.#map.delete(key);
    this.#map.set(key, { tile, used: false });
    while (this.#map.size > this.capacity) this.#evictOne();
    return tile;
  }

  #evictOne(): void {
    for (const [k, s] of this.#map) {
      this.#map.delete(k);
      if (!s.used) return;
      // Second chance: clear the flag and move it to the back of the queue.
      s.used = false;
      this.#map.set(k, s);
    }
  }

  get size(): number {
    return this.#map.size;
  }
}
