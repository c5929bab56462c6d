/**
 * A transparency log: one tree in storage, its in-memory right edge, the sequencer that appends to
 * it, and proofs served from immutable tiles plus the edge.
 */
import { randomBytes } from 'node:crypto';
import { formatCheckpointBody, signNote } from '../encoding/checkpoint.ts';
import { ProvenantError } from '../errors.ts';
import {
  buildProof,
  consistencyProofNodes,
  emptyRoot,
  fullTileCount,
  inclusionProofNodes,
  type NodeId,
  partialTileWidth,
  rootFromNodes,
  rootNodes,
  TileEdge,
  tileCoordsForNode,
} from '../merkle/index.ts';
import type { Signer } from '../crypto/signer.ts';
import { type AppendInput, type AppendResult, Sequencer, type SequencerOptions } from './sequencer.ts';
import type { SignedStateGuard } from './signed-state.ts';
import { type Head, type LogStore, type StoredTile, tileKey, type TileCoord, type TreeRecord } from './store.ts';
import { TileCache } from './tile-cache.ts';
import { asTreeId, type Clock, type LeafIndex, type SignedCheckpoint, type TreeId } from './types.ts';

export interface LogOptions extends SequencerOptions {
  tileCacheSize: number;
}

export interface OpenLogParams {
  store: LogStore;
  /** 'rekor' or 'ct': one tree per purpose. */
  purpose: string;
  /** Checkpoint signer name: the public URL's host[:port]. */
  name: string;
  signer: Signer;
  clock: Clock;
  options: LogOptions;
  /** Sign a SET for each new entry (the Rekor log does; the CT log does not). */
  signSets: boolean;
  guard?: SignedStateGuard | undefined;
  onError?: (err: unknown) => void;
  onBatch?: (entries: number, ms: number) => void;
}

function randomTreeId(): TreeId {
  // A random positive int63, stable for the life of the tree (Rekor's Trillian tree ids look alike).
  const n = randomBytes(8).readBigUInt64BE() & 0x7fff_ffff_ffff_ffffn;
  return asTreeId(n === 0n ? 1n : n);
}

export class TransparencyLog {
  readonly tree: TreeRecord;
  readonly origin: string;
  readonly #sequencer: Sequencer;
  readonly #cache: TileCache;

  private constructor(
    private readonly p: OpenLogParams,
    tree: TreeRecord,
    edge: TileEdge,
    checkpoint: SignedCheckpoint,
  ) {
    this.tree = tree;
    this.origin = `${p.name} - ${tree.treeId}`;
    this.#cache = new TileCache(p.options.tileCacheSize);
    this.#sequencer = new Sequencer(p.store, tree.treeId, edge, checkpoint, p.clock, p.options, {
      signCheckpoint: (head) => this.#signCheckpoint(head),
      signEntry: (body, t, i) => (p.signSets ? this.signEntryTimestamp(body, t, i) : null),
      reloadEdge: () => this.#loadEdge(),
      committed: (e, cp, tiles) => {
        for (const t of tiles) this.#cache.set(tileKey(t.level, t.index), t.hashes);
        p.guard?.remember(cp.size, cp.root);
      },
      onError: (err) => p.onError?.(err),
      onBatch: (n, ms) => p.onBatch?.(n, ms),
    });
  }

  /** Opens (creating on first use) the tree for `purpose` and rebuilds its right edge. */
  static async open(p: OpenLogParams): Promise<TransparencyLog> {
    let tree = await p.store.getTree(p.purpose);
    if (!tree) {
      const treeId = randomTreeId();
      const origin = `${p.name} - ${treeId}`;
      const head: Head = { size: 0n, root: emptyRoot() };
      const note = signNote(formatCheckpointBody({ origin, size: 0n, rootHash: head.root }), p.name, p.signer.publicKeyDer, p.signer.sign);
      await p.store.createTree({ treeId, purpose: p.purpose, origin, publicKey: p.signer.publicKeyDer }, head, { ...head, note });
      tree = (await p.store.getTree(p.purpose))!;
    }
    if (!Buffer.from(tree.publicKey).equals(Buffer.from(p.signer.publicKeyDer))) {
      throw new ProvenantError('refuse_to_sign', `the ${p.purpose} tree ${tree.treeId} was created with another key; refusing to sign with this one`);
    }
    const head = await p.store.head(tree.treeId);
    const latest = await p.store.latestCheckpoint(tree.treeId);
    // Refuse to sign when storage is behind what was signed before: a restored old backup must
    // not silently fork the log.
    if (latest && latest.size > head.size) {
      throw new ProvenantError('refuse_to_sign', `storage holds ${head.size} entries but a checkpoint for ${latest.size} was signed; refusing to sign`);
    }
    p.guard?.check(head.size, head.root);
    const log0 = new TransparencyLog(p, tree, TileEdge.empty(), latest ?? { size: 0n, root: emptyRoot(), note: '' });
    const edge = await log0.#loadEdge();
    const needCheckpoint = !latest || latest.size !== head.size || latest.note.split('\n', 1)[0] !== log0.origin;
    const checkpoint = needCheckpoint ? log0.#signCheckpoint(head) : latest;
    const log = new TransparencyLog(p, tree, edge, checkpoint);
    if (needCheckpoint) {
      // The name changed (a new public URL) or no checkpoint exists for this size: sign one now.
      await p.store.withWriter(tree.treeId, async (tx) => {
        const h = await tx.lockHead();
        if (h.size === head.size) await tx.insertCheckpoint(checkpoint).catch(() => undefined);
      });
    }
    return log;
  }

  get treeId(): TreeId {
    return this.tree.treeId;
  }
  get size(): bigint {
    return this.#sequencer.edge.size;
  }
  get checkpoint(): SignedCheckpoint {
    return this.#sequencer.checkpoint;
  }
  get store(): LogStore {
    return this.p.store;
  }
  get signer(): Signer {
    return this.p.signer;
  }

  append(input: AppendInput): Promise<AppendResult> {
    return this.#sequencer.append(input);
  }

  async close(): Promise<void> {
    await this.#sequencer.close();
    // The record of the newest signed head, written now rather than lost with the process.
    this.p.guard?.flush();
  }

  /** RFC 8785 JSON of {body, integratedTime, logID, logIndex}, signed: Rekor's SET. */
  signEntryTimestamp(body: Uint8Array, integratedTime: bigint, leafIndex: LeafIndex): Uint8Array {
    // Keys in sorted order, integers unquoted: this is already the canonical form.
    const payload = `{"body":"${Buffer.from(body).toString('base64')}","integratedTime":${integratedTime},"logID":"${this.p.signer.logId}","logIndex":${leafIndex}}`;
    return this.p.signer.sign(Buffer.from(payload, 'utf8'));
  }

  #signCheckpoint(head: Head): SignedCheckpoint {
    const body = formatCheckpointBody({ origin: `${this.p.name} - ${this.tree.treeId}`, size: head.size, rootHash: head.root });
    return { size: head.size, root: head.root, note: signNote(body, this.p.name, this.p.signer.publicKeyDer, this.p.signer.sign) };
  }

  /**
   * Rebuilds the right edge from storage without scanning the log: for each tile level, the
   * partial tile is the last leaf hashes (level 0) or the roots of the last full tiles below.
   */
  async #loadEdge(): Promise<TileEdge> {
    const { store } = this.p;
    const treeId = this.tree.treeId;
    const head = await store.head(treeId);
    const n = head.size;
    const partials: Uint8Array[][] = [];
    for (let level = 0; ; level++) {
      const width = partialTileWidth(n, level);
      const full = fullTileCount(n, level);
      if (level === 0) {
        partials.push(await store.leafHashes(treeId, full * 256n, full * 256n + BigInt(width)));
      } else {
        const coords: TileCoord[] = [];
        for (let i = 0; i < width; i++) coords.push({ level: level - 1, index: full * 256n + BigInt(i) });
        const tiles = await store.readTiles(treeId, coords);
        partials.push(
          coords.map((c) => {
            const t = tiles.get(tileKey(c.level, c.index));
            if (!t) throw new Error(`tile ${c.level}/${c.index} of tree ${treeId} is missing`);
            // The tile root is the last stored internal node.
            return t.inner.subarray(t.inner.length - 32);
          }),
        );
      }
      if (full === 0n) break;
    }
    const edge = TileEdge.fromPartials(n, partials);
    if (!Buffer.from(edge.root()).equals(Buffer.from(head.root))) {
      throw new Error(`tree ${treeId}: the root rebuilt from tiles does not match the stored head at size ${n}`);
    }
    return edge;
  }

  /** Hashes of the given complete subtrees, from the edge, the tile cache, or storage. */
  async #nodes(ids: readonly NodeId[], edge: TileEdge): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    const missing = new Map<string, TileCoord>();
    const want: Array<[NodeId, string, ReturnType<typeof tileCoordsForNode>]> = [];
    for (const id of ids) {
      const key = `${id.level}:${id.index}`;
      if (out.has(key)) continue;
      const fromEdge = edge.nodeFromPartial(id);
      if (fromEdge) {
        out.set(key, fromEdge);
        continue;
      }
      const c = tileCoordsForNode(id);
      const tk = tileKey(c.tileLevel, c.tileIndex);
      if (!this.#cache.get(tk)) missing.set(tk, { level: c.tileLevel, index: c.tileIndex });
      want.push([id, key, c]);
    }
    const fetched = missing.size > 0 ? await this.p.store.readTiles(this.tree.treeId, [...missing.values()]) : new Map<string, StoredTile>();
    for (const [id, key, c] of want) {
      const tk = tileKey(c.tileLevel, c.tileIndex);
      let t = this.#cache.get(tk);
      if (!t) {
        const raw = fetched.get(tk);
        if (!raw) throw new ProvenantError('internal', `tile ${tk} needed for node ${id.level}/${id.index} is missing`);
        t = this.#cache.set(tk, raw.hashes, raw.inner);
      }
      out.set(key, t.node(c.height, c.offset));
    }
    return out;
  }

  async #prove(elements: NodeId[][], edge: TileEdge): Promise<Uint8Array[]> {
    const nodes = await this.#nodes(elements.flat(), edge);
    return buildProof(elements, (id) => nodes.get(`${id.level}:${id.index}`)!);
  }

  /** Inclusion proof of leafIndex in the tree of treeSize (≤ the committed size). */
  async inclusionProof(leafIndex: bigint, treeSize: bigint): Promise<Uint8Array[]> {
    const edge = this.#sequencer.edge;
    if (treeSize > edge.size || leafIndex < 0n || leafIndex >= treeSize) {
      throw new ProvenantError('invalid_argument', `no inclusion proof for index ${leafIndex} in a tree of size ${treeSize}`);
    }
    return this.#prove(inclusionProofNodes(leafIndex, treeSize), edge);
  }

  /** Consistency proof between two sizes, 1 ≤ size1 ≤ size2 ≤ committed size. */
  async consistencyProof(size1: bigint, size2: bigint): Promise<Uint8Array[]> {
    const edge = this.#sequencer.edge;
    if (size1 < 0n || size1 > size2 || size2 > edge.size) {
      throw new ProvenantError('invalid_argument', `no consistency proof from ${size1} to ${size2} (tree size ${edge.size})`);
    }
    if (size1 === 0n || size1 === size2) return [];
    return this.#prove(consistencyProofNodes(size1, size2), edge);
  }

  /** Root of the tree at an earlier size (for proofs that name one). */
  async rootAt(size: bigint): Promise<Uint8Array> {
    const edge = this.#sequencer.edge;
    if (size === edge.size) return edge.root();
    if (size < 0n || size > edge.size) throw new ProvenantError('invalid_argument', `no tree of size ${size}`);
    if (size === 0n) return emptyRoot();
    const nodes = await this.#nodes(rootNodes(size), edge);
    return rootFromNodes(size, (id) => nodes.get(`${id.level}:${id.index}`)!);
  }

}

