/** A small LRU of full tiles. Full tiles are immutable, so a cached tile is never stale. */
import { TileHashes } from '../merkle/index.ts';

export class TileCache {
  readonly #map = new Map<string, TileHashes>();
  constructor(private readonly capacity: number) {}

  get(key: string): TileHashes | undefined {
    const t = this.#map.get(key);
    if (t !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, t);
    }
    return t;
  }

  /** Adopts the arrays (no copy): callers pass fresh rows or freshly built tiles, never reused. */
  set(key: string, hashes: Uint8Array, inner?: Uint8Array): TileHashes {
    const t = TileHashes.adopt(hashes, inner);
    this.#map.delete(key);
    this.#map.set(key, t);
    while (this.#map.size > this.capacity) this.#map.delete(this.#map.keys().next().value!);
    return t;
  }

  get size(): number {
    return this.#map.size;
  }
}
