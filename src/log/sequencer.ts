/**
 * The single writer. append() joins the current batch; one transaction per batch takes the writer
 * lock, dedupes, inserts entries + index rows + new full tiles, moves the head and stores the
 * signed checkpoint for the new size. Callers are resolved only after COMMIT returned.
 */
import { ProvenantError } from '../errors.ts';
import { type FullTile, hashLeaf, TileEdge } from '../merkle/index.ts';
import { DuplicateLeafError, type Head, type LogStore, type NewEntry, type StoredEntry } from './store.ts';
import { asLeafIndex, type Clock, type LeafIndex, type SignedCheckpoint, type TreeId } from './types.ts';

export interface AppendInput {
  /** The canonical bytes: hashed, stored and served exactly as given. */
  body: Uint8Array;
  kind?: string | null;
  indexKeys?: readonly string[];
  /** Stored with the entry but not hashed (CT extra_data). */
  extraData?: Uint8Array | null;
}

export interface AppendResult {
  leafIndex: LeafIndex;
  leafHash: Uint8Array;
  integratedTime: bigint;
  setSig: Uint8Array | null;
  /** True when an identical entry already existed: nothing was appended. */
  duplicate: boolean;
  /** The checkpoint of the batch that committed the entry (or the current one, for a duplicate). */
  checkpoint: SignedCheckpoint;
}

export interface SequencerOptions {
  maxBatchSize: number;
  maxBatchAgeMs: number;
  /** Entries waiting beyond this get 503 pushback. */
  maxPending: number;
}

export interface SequencerHooks {
  /** Signs the checkpoint note for a new head. */
  signCheckpoint(head: Head): SignedCheckpoint;
  /** Signs a SET for a new entry, or returns null when this tree signs none. */
  signEntry(body: Uint8Array, integratedTime: bigint, leafIndex: LeafIndex): Uint8Array | null;
  /** Loads the committed edge again (after a failure or another writer). */
  reloadEdge(): Promise<TileEdge>;
  /** Called after every commit, with the new state. */
  committed(edge: TileEdge, checkpoint: SignedCheckpoint, tiles: readonly FullTile[]): void;
  onError(err: unknown): void;
  /** Metrics: entries in a committed batch and the milliseconds it took. */
  onBatch?(entries: number, ms: number): void;
}

const STALE = Symbol('stale');

interface Pending {
  input: AppendInput;
  leafHash: Uint8Array;
  hex: string;
  resolve(r: AppendResult): void;
  reject(e: unknown): void;
}

export class Sequencer {
  #edge: TileEdge;
  #checkpoint: SignedCheckpoint;
  #pending: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing = false;
  #stale = false;
  #closed = false;

  constructor(
    private readonly store: LogStore,
    private readonly treeId: TreeId,
    edge: TileEdge,
    checkpoint: SignedCheckpoint,
    private readonly clock: Clock,
    private readonly opts: SequencerOptions,
    private readonly hooks: SequencerHooks,
  ) {
    this.#edge = edge;
    this.#checkpoint = checkpoint;
  }

  get edge(): TileEdge {
    return this.#edge;
  }
  get checkpoint(): SignedCheckpoint {
    return this.#checkpoint;
  }

  append(input: AppendInput): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new ProvenantError('unavailable', 'the log is shutting down'));
    if (this.#pending.length >= this.opts.maxPending) {
      return Promise.reject(new ProvenantError('unavailable', 'too many entries waiting to be sequenced; retry later', { retryAfterSeconds: 1 }));
    }
    const leafHash = hashLeaf(input.body);
    return new Promise<AppendResult>((resolve, reject) => {
      this.#pending.push({ input, leafHash, hex: Buffer.from(leafHash).toString('hex'), resolve, reject });
      this.#schedule();
    });
  }

  /** Waits for in-flight work and refuses new appends. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#flushing || this.#pending.length > 0) {
      if (!this.#flushing) void this.#flush();
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  #schedule(): void {
    if (this.#flushing) return; // the running flush picks the batch up when it finishes
    if (this.#pending.length >= this.opts.maxBatchSize || this.opts.maxBatchAgeMs === 0) {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = undefined;
      queueMicrotask(() => void this.#flush());
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, this.opts.maxBatchAgeMs);
  }

  async #flush(): Promise<void> {
    if (this.#flushing || this.#pending.length === 0) return;
    this.#flushing = true;
    const batch = this.#pending.splice(0, this.opts.maxBatchSize);
    const started = performance.now();
    try {
      if (this.#stale) {
        this.#edge = await this.hooks.reloadEdge();
        this.#stale = false;
      }
      // Optimistic first: no dedupe query, the unique index on leaf hashes catches duplicates
      // (rare: client retries), and the batch is then redone with an explicit dedupe.
      let out = await this.#commit(batch, false).catch((e: unknown) => {
        if (e instanceof DuplicateLeafError) return this.#commit(batch, true);
        throw e;
      });
      if (out === STALE) {
        // Another writer (or an ambiguous earlier commit) moved the head: catch up, then retry once.
        this.#edge = await this.hooks.reloadEdge();
        out = await this.#commit(batch, true);
        if (out === STALE) throw new ProvenantError('unavailable', 'the log head keeps moving; retry', { retryAfterSeconds: 1 });
      }
      // Committed: from here the batch is durable; only now may callers learn their indices.
      this.#edge = out.edge;
      this.#checkpoint = out.checkpoint;
      this.hooks.committed(out.edge, out.checkpoint, out.tiles);
      this.hooks.onBatch?.(batch.length, performance.now() - started);
      for (const p of batch) {
        const r = out.results.get(p.hex)!;
        p.resolve(r.first === p ? r.result : { ...r.result, duplicate: true });
      }
    } catch (err) {
      // Nothing of this batch is acknowledged. The commit may or may not have happened (a lost
      // connection during COMMIT is ambiguous), so the edge is reloaded from storage before the
      // next batch.
      this.#stale = true;
      this.hooks.onError(err);
      const e =
        err instanceof ProvenantError
          ? err
          : new ProvenantError('unavailable', 'storage is unavailable; the entry was not appended', { cause: err, retryAfterSeconds: 1 });
      for (const p of batch) p.reject(e);
    } finally {
      this.#flushing = false;
      // Group commit: whatever arrived during this transaction has already waited; send it now.
      if (this.#pending.length > 0) queueMicrotask(() => void this.#flush());
    }
  }

  async #commit(batch: Pending[], dedupe: boolean) {
    return this.store.withWriter(this.treeId, async (tx) => {
      const head = await tx.lockHead();
      // Reloading needs another connection (PGlite has one), so it happens outside this transaction.
      if (head.size !== this.#edge.size) return STALE;
      // Dedupe within the batch (first occurrence wins) and against storage.
      const firsts = new Map<string, Pending>();
      for (const p of batch) if (!firsts.has(p.hex)) firsts.set(p.hex, p);
      const existing = dedupe ? await tx.findByLeafHashes([...firsts.values()].map((p) => p.leafHash)) : new Map<string, StoredEntry>();

      const edge = this.#edge.clone();
      const integratedTime = BigInt(Math.floor(this.clock.now().getTime() / 1000));
      const tiles: FullTile[] = [];
      const rows: NewEntry[] = [];
      const fresh: Array<[Pending, NewEntry]> = [];
      const dupes: Array<[Pending, StoredEntry]> = [];
      for (const p of firsts.values()) {
        const old = existing.get(p.hex);
        if (old) {
          dupes.push([p, old]);
          continue;
        }
        const leafIndex = asLeafIndex(edge.size);
        for (const t of edge.append(p.leafHash)) tiles.push(t);
        const row: NewEntry = {
          leafIndex,
          leafHash: p.leafHash,
          body: p.input.body,
          kind: p.input.kind ?? null,
          integratedTime,
          setSig: this.hooks.signEntry(p.input.body, integratedTime, leafIndex),
          extraData: p.input.extraData ?? null,
          indexKeys: p.input.indexKeys ?? [],
        };
        rows.push(row);
        fresh.push([p, row]);
      }
      let checkpoint = this.#checkpoint;
      if (rows.length > 0) {
        await tx.insertEntries(rows);
        await tx.insertTiles(tiles);
        const newHead = { size: edge.size, root: edge.root() };
        await tx.setHead(newHead);
        checkpoint = this.hooks.signCheckpoint(newHead);
        await tx.insertCheckpoint(checkpoint);
      }
      const results = new Map<string, { first: Pending; result: AppendResult }>();
      for (const [p, row] of fresh) {
        results.set(p.hex, {
          first: p,
          result: { leafIndex: row.leafIndex, leafHash: row.leafHash, integratedTime, setSig: row.setSig, duplicate: false, checkpoint },
        });
      }
      for (const [p, old] of dupes) {
        results.set(p.hex, {
          first: undefined as unknown as Pending, // every caller of an existing entry sees duplicate: true
          result: { leafIndex: old.leafIndex, leafHash: old.leafHash, integratedTime: old.integratedTime, setSig: old.setSig, duplicate: true, checkpoint },
        });
      }
      return { edge, checkpoint, tiles, results };
    });
  }
}
