/**
 * The in-memory right edge of a tiled tree (C2SP tlog-tiles, height 8), owned
 * by the single-writer sequencer. It holds, for every tile level L, the hashes
 * of the partial (not yet full) tile at that level, plus the complete subtrees
 * inside it, and emits each tile once it becomes full so the caller can store
 * it (full tiles are immutable).
 *
 * Why the partial tiles suffice for the root. Write n in base 256:
 * n = Σ w_L·256^L with w_L = partialTileWidth(n, L). RFC 6962's MTH(D[n]) is the
 * right fold of the complete subtrees of the binary decomposition of n (one of
 * level j per set bit j of n, left to right). A set bit j = 8L + h is bit h of
 * w_L. Measured in level-8L hashes, the subtrees of level >= 8L cover
 * [0, n >> 8L) in decreasing sizes; those of level 8L..8L+7 are the last ones
 * and together cover exactly the last w_L = (n >> 8L) mod 256 hashes, i.e.
 * [256·⌊(n >> 8L)/256⌋, n >> 8L) — precisely the partial tile at level L.
 * So every right-edge subtree is the node of height h at offset
 * (w_L >> (h+1)) << (h+1) of the partial tile at level ⌊j/8⌋, and the root needs
 * popcount(n) - 1 hashes (at most 63) on top of cached nodes.
 */
import { MerkleError } from './errors.ts';
import { HASH_SIZE, copyBytes, emptyRoot, hashChildren } from './hasher.ts';
import type { NodeId } from './node.ts';
import { bitLength } from './bits.ts';
import { MAX_U64, assertHash, assertU64 } from './check.ts';
import {
  MAX_TILE_LEVEL,
  TILE_HEIGHT,
  TILE_WIDTH,
  fullTileCount,
  partialTileWidth,
  tileCoordsForNode,
  type FullTile,
} from './tile.ts';

const TILE_BYTES = TILE_WIDTH * HASH_SIZE;

/**
 * One growing tile: its hashes and every complete subtree inside it, computed
 * eagerly as soon as it is complete. Each internal node is hashed exactly once
 * (255 per full tile, the same work tileRoot does), so appends cost one
 * hashChildren amortised per leaf and root() only folds cached nodes.
 */
class EdgeTile {
  /** TILE_BYTES long; the first width·32 bytes are valid. */
  bytes: Uint8Array;
  width: number;
  /** nodes[h][i] (h = 1..8): the i-th complete subtree of height h, left to right. */
  nodes: Uint8Array[][];

  constructor(bytes: Uint8Array = new Uint8Array(TILE_BYTES), width = 0, nodes?: Uint8Array[][]) {
    this.bytes = bytes;
    this.width = width;
    this.nodes = nodes ?? EdgeTile.emptyNodes();
  }

  private static emptyNodes(): Uint8Array[][] {
    const nodes: Uint8Array[][] = [];
    for (let h = 0; h <= TILE_HEIGHT; h++) nodes.push([]);
    return nodes;
  }

  clone(): EdgeTile {
    const bytes = new Uint8Array(TILE_BYTES);
    bytes.set(this.bytes.subarray(0, this.width * HASH_SIZE));
    // Node hashes are never mutated, so sharing them is safe.
    return new EdgeTile(bytes, this.width, this.nodes.map((row) => row.slice()));
  }

  /** Forgets everything; the old bytes buffer now belongs to whoever took it. */
  reset(): void {
    this.bytes = new Uint8Array(TILE_BYTES);
    this.width = 0;
    this.nodes = EdgeTile.emptyNodes();
  }

  /** Requires width < 256 and a 32-byte hash (copied). */
  push(hash: Uint8Array): void {
    const bytes = this.bytes;
    bytes.set(hash, this.width * HASH_SIZE);
    const w = ++this.width;
    // The complete subtrees that end at w: one of height h for each h with 2^h | w.
    for (let h = 1; h <= TILE_HEIGHT && (w & ((1 << h) - 1)) === 0; h++) {
      const i = (w >> h) - 1; // index of the new node at height h
      let l: Uint8Array;
      let r: Uint8Array;
      if (h === 1) {
        const o = 2 * i * HASH_SIZE;
        l = bytes.subarray(o, o + HASH_SIZE);
        r = bytes.subarray(o + HASH_SIZE, o + 2 * HASH_SIZE);
      } else {
        const below = this.nodes[h - 1]!;
        l = below[2 * i]!;
        r = below[2 * i + 1]!;
      }
      this.nodes[h]!.push(hashChildren(l, r));
    }
  }

  /** Hash of the complete subtree of height h with index i (must exist). Shared, do not mutate. */
  node(h: number, i: number): Uint8Array {
    return h === 0 ? this.bytes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE) : this.nodes[h]![i]!;
  }
}

export class TileEdge {
  private _size: bigint;
  /** tiles[L] = the partial tile at tile level L (width 0 if there is none). */
  private readonly tiles: EdgeTile[];
  private rootCache: Uint8Array | undefined;

  private constructor(size: bigint, tiles: EdgeTile[], rootCache?: Uint8Array) {
    this._size = size;
    this.tiles = tiles;
    this.rootCache = rootCache;
  }

  /** The edge of the empty tree. */
  static empty(): TileEdge {
    return new TileEdge(0n, []);
  }

  /**
   * Rebuilds the edge of a tree of `size` leaves from its partial tiles:
   * partials[L] holds the hashes of the partial tile at tile level L (its
   * length must be partialTileWidth(size, L), possibly 0) for every level from
   * 0 up to the top level of the tree; trailing empty levels are allowed.
   * Level-0 hashes are leaf hashes; level-L (L > 0) hashes are the tileRoots of
   * the full level-(L-1) tiles. Throws `invalid_argument` on a width or hash
   * size mismatch. The hashes themselves cannot be checked here: they must come
   * from the caller's own committed store.
   */
  static fromPartials(size: bigint, partials: readonly (readonly Uint8Array[])[]): TileEdge {
    assertU64(size, 'size');
    if (!Array.isArray(partials)) throw new MerkleError('invalid_argument', 'partials must be an array');
    const levelsInTree = size === 0n ? 0 : Math.floor((bitLength(size) - 1) / TILE_HEIGHT) + 1;
    if (partials.length > MAX_TILE_LEVEL + 1) {
      throw new MerkleError('invalid_argument', `too many tile levels: ${partials.length}`);
    }
    const levels = Math.max(levelsInTree, partials.length);
    const tiles: EdgeTile[] = [];
    for (let L = 0; L < levels; L++) {
      const p = partials[L] ?? [];
      const want = partialTileWidth(size, L);
      if (!Array.isArray(p) || p.length !== want) {
        const got = Array.isArray(p) ? String(p.length) : typeof p;
        throw new MerkleError('invalid_argument', `partial tile at level ${L} must have ${want} hashes for size ${size}, got ${got}`);
      }
      const t = new EdgeTile();
      p.forEach((h, i) => {
        assertHash(h, `partials[${L}][${i}]`, 'invalid_argument');
        t.push(h);
      });
      tiles.push(t);
    }
    return new TileEdge(size, tiles);
  }

  /** Number of leaves. */
  get size(): bigint {
    return this._size;
  }

  /** An independent copy (copies ≤ 8 KiB per tile level; node hashes are shared immutably). */
  clone(): TileEdge {
    return new TileEdge(this._size, this.tiles.map((t) => t.clone()), this.rootCache);
  }

  /**
   * Appends one leaf hash (32 bytes, copied). Returns the tiles this append
   * completed, lowest level first: a full level-L tile's root is appended to
   * the level-(L+1) partial tile, which may complete in turn. The returned
   * `hashes` buffers are handed over to the caller (no longer referenced here).
   * Throws `invalid_argument` on a bad hash or when the tree would exceed 2^64-1 leaves.
   */
  append(leafHash: Uint8Array): FullTile[] {
    assertHash(leafHash, 'leafHash', 'invalid_argument');
    if (this._size === MAX_U64) throw new MerkleError('invalid_argument', 'tree size would exceed 2^64-1');
    const size = ++this._size;
    this.rootCache = undefined;
    const full: FullTile[] = [];
    let hash = leafHash;
    for (let L = 0; ; L++) {
      let t = this.tiles[L];
      if (t === undefined) {
        t = new EdgeTile();
        this.tiles.push(t);
      }
      t.push(hash);
      if (t.width < TILE_WIDTH) break;
      hash = t.node(TILE_HEIGHT, 0); // the tile root, a level-8(L+1) node
      full.push({ level: L, index: (size >> BigInt(TILE_HEIGHT * (L + 1))) - 1n, hashes: t.bytes });
      t.reset();
    }
    return full;
  }

  /**
   * RFC 6962 §2.1 MTH of the current tree (SHA-256("") when empty), folded from
   * the right-edge subtrees cached in the partial tiles (see the file comment):
   * at most 63 hashes, cached until the next append. Returns a fresh copy.
   */
  root(): Uint8Array {
    if (this._size === 0n) return emptyRoot();
    if (this.rootCache === undefined) {
      let acc: Uint8Array | undefined;
      // Right to left: lower tile levels and lower heights are further right.
      for (const t of this.tiles) {
        const w = t.width;
        for (let h = 0; h < TILE_HEIGHT; h++) {
          if (((w >> h) & 1) === 0) continue;
          const node = t.node(h, (w >> h) - 1);
          acc = acc === undefined ? node : hashChildren(node, acc);
        }
      }
      this.rootCache = copyBytes(acc!);
    }
    return copyBytes(this.rootCache);
  }

  /**
   * Copies of the hashes of the partial tile at tile level `level` (empty if
   * the tree has none there). Its tile index is fullTileCount(size, level).
   */
  partial(level: number): readonly Uint8Array[] {
    if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL) {
      throw new MerkleError('invalid_argument', `tile level must be an integer in 0..${MAX_TILE_LEVEL}, got ${String(level)}`);
    }
    const t = this.tiles[level];
    const out: Uint8Array[] = [];
    for (let i = 0; i < (t?.width ?? 0); i++) out.push(copyBytes(t!.node(0, i)));
    return out;
  }

  /**
   * The hash of complete subtree `id` if it lies in the current partial tile at
   * its tile level, else undefined (it is in a full tile, or not in the tree).
   * Returns a copy. Throws `invalid_argument` on a malformed id.
   */
  nodeFromPartial(id: NodeId): Uint8Array | undefined {
    const { tileLevel, tileIndex, height, offset } = tileCoordsForNode(id);
    const t = this.tiles[tileLevel];
    if (t === undefined || tileIndex !== fullTileCount(this._size, tileLevel)) return undefined;
    if (offset + (1 << height) > t.width) return undefined;
    return copyBytes(t.node(height, offset >> height));
  }
}
