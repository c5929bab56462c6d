/**
 * C2SP tlog-tiles maths (https://c2sp.org/tlog-tiles), tile height 8.
 *
 * A tile at tile level L and tile index N stores up to 256 consecutive node
 * hashes of Merkle level 8·L: the nodes (8L, 256N) … (8L, 256N+255). A tile is
 * full when it has 256 hashes; the rightmost tile of a level may be partial
 * (width 1..255). The 8 Merkle levels 8L..8L+7 above those hashes are implied:
 * any complete subtree of height h < 8 whose base lies in the tile can be
 * recomputed from it (TileHashes.node), and the tile's 256-hash root is the
 * level-8(L+1) node, i.e. one hash of the level-(L+1) tile (tileRoot).
 */
import { MerkleError } from './errors.ts';
import { HASH_SIZE, copyBytes, hashChildren } from './hasher.ts';
import { assertNodeId, type NodeId } from './node.ts';
import { assertHash, assertU64 } from './check.ts';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;

/** Highest tile level with any hash for a uint64 tree size (levels 0..63 are encodable). */
export const MAX_TILE_LEVEL = 63;

/** A full tile produced by TileEdge.append: 256 hashes, concatenated (8192 bytes). */
export interface FullTile {
  readonly level: number;
  readonly index: bigint;
  readonly hashes: Uint8Array;
}

/**
 * Where a complete subtree lives in the tiling: tile (tileLevel, tileIndex),
 * and within that tile the node is the root of the 2^height hashes
 * [offset, offset + 2^height). Requires a valid NodeId.
 */
export function tileCoordsForNode(id: NodeId): { tileLevel: number; tileIndex: bigint; height: number; offset: number } {
  assertNodeId(id);
  const tileLevel = Math.floor(id.level / TILE_HEIGHT);
  const height = id.level % TILE_HEIGHT;
  const first = id.index << BigInt(height); // first covered hash on level 8·tileLevel
  return {
    tileLevel,
    tileIndex: first >> BigInt(TILE_HEIGHT),
    height,
    offset: Number(first & BigInt(TILE_WIDTH - 1)),
  };
}

/**
 * Number of full tiles at tile level L in a tree of `size` leaves: the level-8L
 * hash count (size >> 8L) divided by 256. Requires 0 <= size < 2^64, integer L >= 0.
 */
export function fullTileCount(size: bigint, tileLevel: number): bigint {
  assertU64(size, 'size');
  assertTileLevel(tileLevel);
  return size >> BigInt(TILE_HEIGHT * (tileLevel + 1));
}

/**
 * Width of the partial tile at tile level L in a tree of `size` leaves, 0 if
 * there is none: (size >> 8L) mod 256, i.e. base-256 digit L of size.
 */
export function partialTileWidth(size: bigint, tileLevel: number): number {
  assertU64(size, 'size');
  assertTileLevel(tileLevel);
  return Number((size >> BigInt(TILE_HEIGHT * tileLevel)) & BigInt(TILE_WIDTH - 1));
}

/**
 * The root of a full tile (the level-8(L+1) node above it). Requires exactly 256
 * hashes of 32 bytes, as an array or concatenated. Computes 255 hashes.
 */
export function tileRoot(hashes: readonly Uint8Array[] | Uint8Array): Uint8Array {
  const t = new TileHashes(hashes);
  if (t.width !== TILE_WIDTH) throw new MerkleError('invalid_argument', `tileRoot needs a full tile, got width ${t.width}`);
  return t.node(TILE_HEIGHT, 0);
}

/** ROW_START[h] = slot of the first height-h internal node: rows of 128, 64, …, 1 nodes. */
const ROW_START: readonly number[] = (() => {
  const out = [0, 0];
  for (let h = 2; h <= TILE_HEIGHT; h++) out.push(out[h - 1]! + (TILE_WIDTH >> (h - 1)));
  return out;
})();

/**
 * The hashes of one tile (full or partial, width 1..256) with lazy, cached
 * computation of the complete subtrees above them: each internal node is
 * hashed at most once, so a full tile costs at most 255 hashes in total and
 * repeated lookups are O(1).
 *
 * The input is copied. Returned hashes are shared with the cache: callers MUST
 * NOT mutate them.
 */
/** Bytes of the internal nodes of a full tile: 255 hashes. */
export const INNER_BYTES = (TILE_WIDTH - 1) * HASH_SIZE;

export class TileHashes {
  readonly width: number;
  private readonly bytes: Uint8Array;
  /**
   * Internal nodes of heights 1..8, packed into one buffer (at most 255 hashes = 8160 bytes, one
   * allocation per tile: a cache of thousands of tiles must stay small). Row h starts at
   * rowStart[h]; `known` marks computed slots.
   */
  private readonly inner: Uint8Array;
  private readonly known: Uint8Array;

  /**
   * `inner`, when given, holds every internal node of a FULL tile as innerBytes() returned it
   * (stored beside the tile so that proofs from cold tiles cost no hashing); it is trusted as
   * written by this process's own sequencer.
   */
  /**
   * Takes `hashes` and `inner` without copying (a tile cache adopting freshly read rows: one
   * allocation per tile instead of two). The caller MUST NOT modify them afterwards.
   */
  static adopt(hashes: Uint8Array, inner?: Uint8Array): TileHashes {
    return new TileHashes(hashes, inner, true);
  }

  constructor(hashes: readonly Uint8Array[] | Uint8Array, inner?: Uint8Array, adopt = false) {
    if (hashes instanceof Uint8Array) {
      if (hashes.length === 0 || hashes.length % HASH_SIZE !== 0 || hashes.length > TILE_WIDTH * HASH_SIZE) {
        throw new MerkleError('invalid_argument', `tile bytes must be 1..256 hashes of ${HASH_SIZE} bytes, got ${hashes.length} bytes`);
      }
      this.bytes = adopt ? hashes : copyBytes(hashes);
    } else {
      if (!Array.isArray(hashes) || hashes.length === 0 || hashes.length > TILE_WIDTH) {
        throw new MerkleError('invalid_argument', `a tile has 1..256 hashes, got ${Array.isArray(hashes) ? hashes.length : typeof hashes}`);
      }
      this.bytes = new Uint8Array(hashes.length * HASH_SIZE);
      hashes.forEach((h, i) => {
        assertHash(h, `tile hash ${i}`, 'invalid_argument');
        this.bytes.set(h, i * HASH_SIZE);
      });
    }
    this.width = this.bytes.length / HASH_SIZE;
    if (inner !== undefined) {
      if (this.width !== TILE_WIDTH || inner.length !== INNER_BYTES) {
        throw new MerkleError('invalid_argument', `inner nodes are ${INNER_BYTES} bytes of a full tile, got ${inner.length} for width ${this.width}`);
      }
      this.inner = adopt ? inner : copyBytes(inner);
      this.known = new Uint8Array(TILE_WIDTH - 1).fill(1);
    } else {
      this.inner = new Uint8Array(INNER_BYTES);
      this.known = new Uint8Array(TILE_WIDTH - 1);
    }
  }

  /** The i-th hash of the tile (a level-8L node). */
  hash(i: number): Uint8Array {
    return this.node(0, i);
  }

  /**
   * Every internal node of a full tile (heights 1..8, row by row: 128, 64, …, 1 hashes; the last
   * is the tile root), computing what is missing. A copy.
   */
  innerBytes(): Uint8Array {
    if (this.width !== TILE_WIDTH) throw new MerkleError('invalid_argument', 'inner nodes exist only for full tiles');
    this.compute(TILE_HEIGHT, 0);
    return copyBytes(this.inner);
  }

  /** All hashes concatenated (a copy): the tile's serialised form. */
  toBytes(): Uint8Array {
    return copyBytes(this.bytes);
  }

  /**
   * Hash of the complete subtree of 2^height tile hashes starting at `offset`.
   * Requires 0 <= height <= 8, offset a multiple of 2^height, and
   * offset + 2^height <= width; throws `invalid_argument` otherwise.
   */
  node(height: number, offset: number): Uint8Array {
    if (
      !Number.isInteger(height) || height < 0 || height > TILE_HEIGHT ||
      !Number.isInteger(offset) || offset < 0 || offset % (1 << height) !== 0 ||
      offset + (1 << height) > this.width
    ) {
      throw new MerkleError('invalid_argument', `no node of height ${height} at offset ${offset} in a tile of width ${this.width}`);
    }
    return this.compute(height, offset >> height);
  }

  private compute(height: number, i: number): Uint8Array {
    if (height === 0) return this.bytes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
    const slot = ROW_START[height]! + i;
    const at = slot * HASH_SIZE;
    if (this.known[slot] === 0) {
      this.inner.set(hashChildren(this.compute(height - 1, 2 * i), this.compute(height - 1, 2 * i + 1)), at);
      this.known[slot] = 1;
    }
    return this.inner.subarray(at, at + HASH_SIZE);
  }
}

function assertTileLevel(tileLevel: number): void {
  if (!Number.isInteger(tileLevel) || tileLevel < 0 || tileLevel > MAX_TILE_LEVEL) {
    throw new MerkleError('invalid_argument', `tile level must be an integer in 0..${MAX_TILE_LEVEL}, got ${String(tileLevel)}`);
  }
}
