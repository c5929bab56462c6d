/**
 * A transparency log: one tree in storage, its in-memory right edge, the sequencer that appends to
 * it, and proofs served from immutable tiles plus the edge.
 */
import { randomBytes } from 'node:crypto';
import { formatCheckpointBody, signNote } from '../encoding/checkpoint.ts';
import { ProvenantError } from '../errors.ts';
import {
  buildProof,
  bytesEqual,
  consistencyProofNodes,
  type FullTile,
  emptyRoot,
  fullTileCount,
  inclusionProofNodes,
  type NodeId,
  partialTileWidth,
  rootFromNodes,
  rootNodes,
  TileEdge,
  tileCoordsForNode,
  TileHashes,
} from '../merkle/index.ts';
import type { Signer } from '../crypto/signer.ts';
import { type AppendInput, type AppendResult, Sequencer, type SequencerOptions, type ServedState } from './sequencer.ts';
import { assertExtends, RefuseToSign, type SignedHead } from './sign-guard.ts';
import { RESEED_SIGNED_STATE_ENV, type SignedStateGuard } from './signed-state.ts';
import { type Head, isUniqueViolation, type LogStore, type StoredTile, tileKey, type TileCoord, type TreeRecord, type WriterTx } from './store.ts';
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
  /** The signed-state record (none: only the stored checkpoints and this process's memory guard). */
  guard?: SignedStateGuard | undefined;
  onError?: (err: unknown) => void;
  /** A refusal to sign, once per condition (default: onError). Log it loudly. */
  onRefusal?: (err: RefuseToSign) => void;
  /** Signing again after a refusal. */
  onResume?: () => void;
  onBatch?: (entries: number, ms: number) => void;
}

/** Where a node for a proof may come from besides the edge and the tile cache. */
interface NodeSources {
  /** Full tiles of the batch being checked, not committed yet. */
  pending?: readonly FullTile[];
  /** Reads committed tiles (default: the store; the writer's transaction under its lock). */
  read?: (coords: readonly TileCoord[]) => Promise<Map<string, StoredTile>>;
}

const NEWEST_STORED = 'the newest stored checkpoint';
const SERVED = 'the checkpoint being served';

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
    state: ServedState,
  ) {
    this.tree = tree;
    this.origin = `${p.name} - ${tree.treeId}`;
    this.#cache = new TileCache(p.options.tileCacheSize);
    this.#sequencer = new Sequencer(p.store, tree.treeId, state, p.clock, p.options, {
      signCheckpoint: (head) => this.#signCheckpoint(head),
      signEntry: (body, t, i) => (p.signSets ? this.signEntryTimestamp(body, t, i) : null),
      reload: (served) => this.#reload(served),
      assertSignable: (next, tiles, tx, served) => this.#assertSignable(next, tiles, tx, served),
      recordSigned: async (cp) => {
        await p.guard?.record(cp);
      },
      committed: (_e, _cp, tiles) => {
        for (const t of tiles) this.#cache.set(tileKey(t.level, t.index), t.hashes);
      },
      onError: (err) => p.onError?.(err),
      onRefusal: (err) => (p.onRefusal ?? p.onError)?.(err),
      onResume: () => p.onResume?.(),
      onBatch: (n, ms) => p.onBatch?.(n, ms),
    });
  }

  /**
   * Opens (creating on first use) the tree for `purpose`, rebuilds its right edge from storage and
   * checks it against every head signed before (the newest stored checkpoint, the signed-state
   * record): refuse_to_sign when storage is behind or beside them. Throws refuse_to_sign too when
   * the record is unreadable or corrupt (see signed-state.ts for the override).
   */
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
    const record = p.guard?.load();
    const latest = await p.store.latestCheckpoint(tree.treeId);
    const served = latest ?? { size: 0n, root: emptyRoot(), note: '' };
    const log0 = new TransparencyLog(p, tree, { edge: TileEdge.empty(), checkpoint: served, newestIntegratedTime: undefined });
    const edge = await log0.#loadEdge();
    const head: Head = { size: edge.size, root: edge.root() };
    // Refuse to sign when storage is behind (or beside) what was signed before: a restored old
    // backup must not silently fork the log.
    try {
      await log0.#assertExtends(edge, [latest && { ...latest, source: NEWEST_STORED }, record], {});
    } catch (e) {
      if (!(e instanceof RefuseToSign) || !record) throw e;
      throw new RefuseToSign(e.condition, `${e.message}. Restore a database that holds everything signed; or, if this rollback is deliberate, set ${RESEED_SIGNED_STATE_ENV}=1 for one start`, e);
    }
    const needCheckpoint = !latest || latest.size !== head.size || latest.note.split('\n', 1)[0] !== log0.origin;
    const checkpoint = needCheckpoint ? log0.#signCheckpoint(head) : latest;
    if (!latest || latest.size !== head.size) {
      // No checkpoint is stored for this size: store the one just signed.
      await log0.#storeStartupCheckpoint(checkpoint);
    }
    // (After a change of name the checkpoint for this size is stored under the old name; the one
    // signed now is served.) The record covers the head before anything is served; with the
    // override this re-seeds it.
    await p.guard?.record(head);
    return new TransparencyLog(p, tree, { edge, checkpoint, newestIntegratedTime: await log0.#newestIntegratedTime(edge.size) });
  }

  /**
   * Inserts the start-up checkpoint. Only a unique violation is expected (another process stored
   * one for this size first), and only one with the same root is acceptable.
   */
  async #storeStartupCheckpoint(cp: SignedCheckpoint): Promise<void> {
    const { store } = this.p;
    try {
      await store.withWriter(this.tree.treeId, async (tx) => {
        const h = await tx.lockHead();
        if (h.size === cp.size) await tx.insertCheckpoint(cp);
      });
    } catch (e) {
      if (!isUniqueViolation(e, 'checkpoints')) throw e;
      const stored = await store.checkpointAt(this.tree.treeId, cp.size);
      if (!stored || !bytesEqual(stored.root, cp.root)) {
        throw new ProvenantError('refuse_to_sign', `a checkpoint for size ${cp.size} was stored concurrently with another root; refusing to sign`, { cause: e });
      }
    }
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
    // Every served checkpoint is already in the signed-state record (written before it was served).
    await this.#sequencer.close();
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

  /** integratedTime of the newest stored entry of a tree of `size`, if any. */
  async #newestIntegratedTime(size: bigint): Promise<bigint | undefined> {
    if (size === 0n) return undefined;
    const [e] = await this.p.store.entriesByIndex(this.tree.treeId, [size - 1n]);
    if (!e) throw new Error(`tree ${this.tree.treeId}: entry ${size - 1n} is missing from storage`);
    return e.integratedTime;
  }

  /**
   * The guard (sign-guard.ts) for the tree whose right edge is `edge`: proofs come from the edge,
   * the batch's new tiles, the tile cache and committed tiles.
   */
  #assertExtends(edge: TileEdge, signed: readonly (SignedHead | undefined)[], src: NodeSources, what = 'storage'): Promise<void> {
    return assertExtends({ size: edge.size, root: edge.root() }, signed, (size1) => this.#prove(consistencyProofNodes(size1, edge.size), edge, src), what);
  }

  /** The sequencer's check under the writer lock, before a batch is signed. */
  async #assertSignable(next: TileEdge, tiles: readonly FullTile[], tx: WriterTx, served: SignedCheckpoint): Promise<void> {
    const stored = await tx.newestCheckpoint();
    await this.#assertExtends(
      next,
      [{ ...served, source: SERVED }, this.p.guard?.newest, stored && { ...stored, source: NEWEST_STORED }],
      { pending: tiles, read: (coords) => tx.readTiles(coords) },
      'the new tree head',
    );
  }

  /**
   * Storage, reloaded after a failure or another writer: adopted only if it extends everything
   * signed (else RefuseToSign, and the sequencer keeps serving what it served). A stored checkpoint
   * for exactly the loaded head (another writer's, or an ambiguous commit's) is served once the
   * record covers it.
   */
  async #reload(served: SignedCheckpoint): Promise<ServedState> {
    const edge = await this.#loadEdge();
    const stored = await this.p.store.latestCheckpoint(this.tree.treeId);
    await this.#assertExtends(edge, [{ ...served, source: SERVED }, this.p.guard?.newest, stored && { ...stored, source: NEWEST_STORED }], {});
    let checkpoint = served;
    if (stored && stored.size === edge.size && stored.size > served.size && bytesEqual(stored.root, edge.root()) && stored.note.startsWith(`${this.origin}\n`)) {
      await this.p.guard?.record(stored);
      checkpoint = stored;
    }
    return { edge, checkpoint, newestIntegratedTime: await this.#newestIntegratedTime(edge.size) };
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

  /**
   * Hashes of the given complete subtrees, from the edge, the batch's new tiles, the tile cache,
   * or committed tiles. A tile missing from storage is 'unavailable': storage is behind the tree
   * this process serves (a restore or failover while running; see sign-guard.ts) or damaged.
   */
  async #nodes(ids: readonly NodeId[], edge: TileEdge, src: NodeSources = {}): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    const missing = new Map<string, TileCoord>();
    const pending = new Map<string, FullTile>();
    for (const t of src.pending ?? []) pending.set(tileKey(t.level, t.index), t);
    const uncommitted = new Map<string, TileHashes>();
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
      if (!pending.has(tk) && !this.#cache.get(tk)) missing.set(tk, { level: c.tileLevel, index: c.tileIndex });
      want.push([id, key, c]);
    }
    const read = src.read ?? ((coords: readonly TileCoord[]) => this.p.store.readTiles(this.tree.treeId, coords));
    const fetched = missing.size > 0 ? await read([...missing.values()]) : new Map<string, StoredTile>();
    for (const [id, key, c] of want) {
      const tk = tileKey(c.tileLevel, c.tileIndex);
      const p = pending.get(tk);
      let t = p ? uncommitted.get(tk) : this.#cache.get(tk);
      if (!t && p) {
        // Not committed yet: hashed here, cached only once the batch is committed.
        t = TileHashes.adopt(p.hashes);
        uncommitted.set(tk, t);
      }
      if (!t) {
        const raw = fetched.get(tk);
        if (!raw) {
          throw new ProvenantError('unavailable', `tile ${tk} of tree ${this.tree.treeId}, needed for node ${id.level}/${id.index}, is missing from storage: storage is behind the tree this server signed`, {
            retryAfterSeconds: 1,
          });
        }
        t = this.#cache.set(tk, raw.hashes, raw.inner);
      }
      out.set(key, t.node(c.height, c.offset));
    }
    return out;
  }

  async #prove(elements: NodeId[][], edge: TileEdge, src: NodeSources = {}): Promise<Uint8Array[]> {
    const nodes = await this.#nodes(elements.flat(), edge, src);
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

