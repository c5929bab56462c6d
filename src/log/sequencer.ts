/**
 * The single writer. append() joins the current batch; one transaction per batch takes the writer
 * lock, dedupes, checks that the new head may be signed (sign-guard.ts), inserts entries + index
 * rows + new full tiles, moves the head and stores the signed checkpoint for the new size. Callers
 * are resolved only after COMMIT returned and the signed-state record covers the new checkpoint.
 *
 * The served state (edge and checkpoint) only ever moves forward: to a committed batch, or to
 * storage reloaded after a failure once the guard accepted it. When storage falls behind what was
 * signed (a restore or a failover while running), every batch is refused (503) and the last good
 * checkpoint keeps being served until storage catches up.
 */
import { MonotonicSeconds } from '../clock.ts';
import { ProvenantError } from '../errors.ts';
import { bytesEqual, type FullTile, hashLeaf, type TileEdge } from '../merkle/index.ts';
import { RefuseToSign } from './sign-guard.ts';
import { DuplicateLeafError, type Head, type LogStore, type NewEntry, type StoredEntry, type WriterTx } from './store.ts';
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

/** What the sequencer serves and appends to: checked by the guard before it is adopted. */
export interface ServedState {
  edge: TileEdge;
  checkpoint: SignedCheckpoint;
  /** integratedTime of the newest stored entry (the floor of the clock guard), if any. */
  newestIntegratedTime: bigint | undefined;
}

export interface SequencerHooks {
  /** Signs the checkpoint note for a new head. */
  signCheckpoint(head: Head): SignedCheckpoint;
  /** Signs a SET for a new entry, or returns null when this tree signs none. */
  signEntry(body: Uint8Array, integratedTime: bigint, leafIndex: LeafIndex): Uint8Array | null;
  /**
   * Loads the committed state from storage (after a failure or another writer) and checks that it
   * may be served: throws RefuseToSign when it is behind or beside what was signed. The returned
   * checkpoint is the served one, or a newer stored one for the loaded head once recorded.
   */
  reload(served: SignedCheckpoint): Promise<ServedState>;
  /** The guard before a checkpoint is signed, under the writer lock: throws RefuseToSign. */
  assertSignable(next: TileEdge, newTiles: readonly FullTile[], tx: WriterTx, served: SignedCheckpoint): Promise<void>;
  /** Makes a committed checkpoint durable in the signed-state record; throws if it cannot. */
  recordSigned(checkpoint: SignedCheckpoint): Promise<void>;
  /** Called after every commit, with the new state (before it is served). */
  committed(edge: TileEdge, checkpoint: SignedCheckpoint, tiles: readonly FullTile[]): void;
  onError(err: unknown): void;
  /** A refusal to sign: called once per condition, not once per batch. */
  onRefusal(err: RefuseToSign): void;
  /** Signing again after a refusal. */
  onResume(): void;
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
  /** integratedTime never goes backwards: the TSA's clock guard, floored by the newest stored entry. */
  readonly #times: MonotonicSeconds;
  #pending: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing = false;
  #stale = false;
  #closed = false;
  /** The condition of the current refusal to sign, logged once; undefined while signing. */
  #refusing: string | undefined;

  constructor(
    private readonly store: LogStore,
    private readonly treeId: TreeId,
    state: ServedState,
    clock: Clock,
    private readonly opts: SequencerOptions,
    private readonly hooks: SequencerHooks,
  ) {
    this.#edge = state.edge;
    this.#checkpoint = state.checkpoint;
    this.#times = new MonotonicSeconds(clock, 'the log', 'an entry integrated at');
    if (state.newestIntegratedTime !== undefined) this.#times.raiseTo(Number(state.newestIntegratedTime));
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
      if (this.#stale) await this.#reload();
      // Optimistic first: no dedupe query, the unique index on leaf hashes catches duplicates
      // (rare: client retries), and the batch is then redone with an explicit dedupe. So is a batch
      // refused for its time: duplicates need none.
      let out = await this.#commit(batch, false).catch((e: unknown) => {
        if (e instanceof DuplicateLeafError || (e instanceof RefuseToSign && e.condition === 'clock')) return this.#commit(batch, true);
        throw e;
      });
      if (out === STALE) {
        // Another writer (or an ambiguous earlier commit) moved the head, or storage went back:
        // catch up if the guard accepts what storage holds, then retry once.
        await this.#reload();
        out = await this.#commit(batch, true);
        if (out === STALE) throw new ProvenantError('unavailable', 'the log head keeps moving; retry', { retryAfterSeconds: 1 });
      }
      // Committed: the batch is durable in storage, but not served yet.
      this.hooks.committed(out.edge, out.checkpoint, out.tiles);
      if (out.signed) await this.hooks.recordSigned(out.checkpoint);
      // Recorded: only now may the checkpoint be served and callers learn their indices.
      this.#edge = out.edge;
      this.#checkpoint = out.checkpoint;
      if (this.#refusing !== undefined) {
        this.#refusing = undefined;
        this.hooks.onResume();
      }
      this.hooks.onBatch?.(batch.length, performance.now() - started);
      for (const p of batch) {
        const r = out.results.get(p.hex)!;
        p.resolve(r.first === p ? r.result : { ...r.result, duplicate: true });
      }
    } catch (err) {
      // Nothing of this batch is acknowledged. The commit may or may not have happened (a lost
      // connection during COMMIT is ambiguous; a record write failed after it), so storage is
      // reloaded — and checked — before the next batch.
      this.#stale = true;
      if (err instanceof RefuseToSign) {
        if (err.condition !== this.#refusing) {
          this.#refusing = err.condition;
          this.hooks.onRefusal(err);
        }
      } else {
        this.hooks.onError(err);
      }
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

  /** Adopts what storage holds, if the guard accepts it (else throws and keeps serving the old). */
  async #reload(): Promise<void> {
    const s = await this.hooks.reload(this.#checkpoint);
    this.#edge = s.edge;
    this.#checkpoint = s.checkpoint;
    if (s.newestIntegratedTime !== undefined) this.#times.raiseTo(Number(s.newestIntegratedTime));
    this.#stale = false;
  }

  async #commit(batch: Pending[], dedupe: boolean) {
    return this.store.withWriter(this.treeId, async (tx) => {
      const head = await tx.lockHead();
      // Storage must hold exactly the edge this batch extends. Reloading needs another connection
      // (PGlite has one), so it happens outside this transaction.
      if (head.size !== this.#edge.size || !bytesEqual(head.root, this.#edge.root())) return STALE;
      // Dedupe within the batch (first occurrence wins) and against storage.
      const firsts = new Map<string, Pending>();
      for (const p of batch) if (!firsts.has(p.hex)) firsts.set(p.hex, p);
      const existing = dedupe ? await tx.findByLeafHashes([...firsts.values()].map((p) => p.leafHash)) : new Map<string, StoredEntry>();

      const edge = this.#edge.clone();
      const tiles: FullTile[] = [];
      const toAppend: Pending[] = [];
      const dupes: Array<[Pending, StoredEntry]> = [];
      for (const p of firsts.values()) {
        const old = existing.get(p.hex);
        if (old) dupes.push([p, old]);
        else toAppend.push(p);
      }
      const second = toAppend.length > 0 ? this.#readClock() : 0;
      const integratedTime = BigInt(second);
      const fresh = toAppend.map((p): [Pending, NewEntry] => {
        const leafIndex = asLeafIndex(edge.size);
        for (const t of edge.append(p.leafHash)) tiles.push(t);
        const row: NewEntry = {
          leafIndex,
          leafHash: p.leafHash,
          body: p.input.body,
          kind: p.input.kind ?? null,
          integratedTime,
          setSig: null, // signed once the guard has passed
          extraData: p.input.extraData ?? null,
          indexKeys: p.input.indexKeys ?? [],
        };
        return [p, row];
      });
      let checkpoint = this.#checkpoint;
      const signed = fresh.length > 0;
      if (signed) {
        await this.hooks.assertSignable(edge, tiles, tx, this.#checkpoint);
        // The new head extends everything signed before, and its time does not go backwards:
        // from here on, this batch may be signed (SETs, then the checkpoint).
        this.#times.raiseTo(second);
        const rows = fresh.map(([, row]) => row);
        for (const row of rows) row.setSig = this.hooks.signEntry(row.body, integratedTime, row.leafIndex);
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
      return { edge, checkpoint, signed, tiles, results };
    });
  }

  /** The integratedTime of a new batch: refuses (RefuseToSign 'clock') a clock behind the floor. */
  #readClock(): number {
    try {
      return this.#times.read();
    } catch (e) {
      if (e instanceof ProvenantError && e.code === 'refuse_to_sign') throw new RefuseToSign('clock', e.message, e);
      throw e;
    }
  }
}
