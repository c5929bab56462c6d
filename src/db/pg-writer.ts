/**
 * The writer transaction on real Postgres: a dedicated pooled client, BEGIN … COMMIT, and binary
 * COPY for the entry rows (the bulk of every batch). PGlite keeps the Kysely path.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import copyStreams from 'pg-copy-streams';
import { type Head, type NewEntry, rethrowDuplicateLeaf, type StoredEntry, type StoredTile, type TileCoord, type WriterTx } from '../log/store.ts';
import type { SignedCheckpoint, TreeId } from '../log/types.ts';
import type { FullTile } from '../merkle/index.ts';
import { COPY_HEADER, COPY_TRAILER, encodeRow } from './copy-binary.ts';
import { innerOf } from './tile-inner.ts';
import { byHex, ENTRIES_BY_LEAF_HASH_SQL, type EntryRow } from './entry-row.ts';
import { READ_TILES_SQL, readTilesParams, type TileRow, tilesByKey } from './tile-row.ts';

const str = (n: bigint) => n.toString();

export async function copyInto(client: pg.PoolClient, table: string, columns: readonly string[], rows: Iterable<Buffer>): Promise<void> {
  const stream = client.query(copyStreams.from(`COPY ${table} (${columns.join(', ')}) FROM STDIN (FORMAT binary)`));
  function* chunks() {
    yield COPY_HEADER;
    let parts: Buffer[] = [];
    let bytes = 0;
    for (const r of rows) {
      parts.push(r);
      bytes += r.length;
      if (bytes >= 1 << 20) {
        yield Buffer.concat(parts);
        parts = [];
        bytes = 0;
      }
    }
    if (parts.length) yield Buffer.concat(parts);
    yield COPY_TRAILER;
  }
  await pipeline(Readable.from(chunks(), { objectMode: false }), stream);
}

export class PgWriterTx implements WriterTx {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly treeId: TreeId,
  ) {}

  #tiles: readonly FullTile[] = [];
  #head: Head | undefined;
  #newestCheckpoint: Head | undefined;

  async lockHead(): Promise<Head> {
    // BEGIN, the writer lock (a row lock on the head, held until COMMIT or ROLLBACK) and the newest
    // stored checkpoint (for the guard before signing) in one round trip: the simple-query protocol
    // takes both statements; the tree id is our own bigint.
    type Row = { size: bigint; root: Buffer; cp_size: bigint | null; cp_root: Buffer | null };
    const res = (await this.client.query(
      `BEGIN; SELECT h.size, h.root, c.size AS cp_size, c.root AS cp_root FROM log_head h
       LEFT JOIN LATERAL (SELECT size, root FROM checkpoints WHERE tree_id = h.tree_id ORDER BY size DESC LIMIT 1) c ON true
       WHERE h.tree_id = ${str(this.treeId)} FOR UPDATE OF h`,
    )) as unknown as pg.QueryResult<Row>[];
    const row = res[1]?.rows[0];
    if (!row) throw new Error(`tree ${this.treeId} has no head row`);
    this.#newestCheckpoint = row.cp_size === null || row.cp_root === null ? undefined : { size: row.cp_size, root: new Uint8Array(row.cp_root) };
    return { size: row.size, root: new Uint8Array(row.root) };
  }

  async newestCheckpoint(): Promise<Head | undefined> {
    return this.#newestCheckpoint;
  }

  async readTiles(coords: readonly TileCoord[]): Promise<Map<string, StoredTile>> {
    if (coords.length === 0) return new Map();
    return tilesByKey((await this.client.query<TileRow>(READ_TILES_SQL, readTilesParams(this.treeId, coords))).rows);
  }

  async findByLeafHashes(hashes: readonly Uint8Array[]): Promise<Map<string, StoredEntry>> {
    if (hashes.length === 0) return new Map();
    const { rows } = await this.client.query<EntryRow>(ENTRIES_BY_LEAF_HASH_SQL, [str(this.treeId), hashes.map((h) => Buffer.from(h.buffer, h.byteOffset, h.byteLength))]);
    return byHex(rows);
  }

  async insertEntries(rows: readonly NewEntry[]): Promise<void> {
    if (rows.length === 0) return;
    const t = { int8: this.treeId as bigint };
    await copyInto(
      this.client,
      'entries',
      ['tree_id', 'leaf_index', 'leaf_hash', 'body', 'kind', 'integrated_time', 'set_sig', 'extra_data'],
      rows.map((r) =>
        encodeRow([
          t,
          { int8: r.leafIndex },
          { bytea: r.leafHash },
          { bytea: r.body },
          r.kind === null ? null : { text: r.kind },
          { int8: r.integratedTime },
          r.setSig ? { bytea: r.setSig } : null,
          r.extraData ? { bytea: r.extraData } : null,
        ]),
      ),
    ).catch(rethrowDuplicateLeaf);
    const index: Buffer[] = [];
    for (const r of rows) for (const k of new Set(r.indexKeys)) index.push(encodeRow([t, { text: k }, { int8: r.leafIndex }]));
    if (index.length > 0) await copyInto(this.client, 'entry_index', ['tree_id', 'key', 'leaf_index'], index);
  }

  // Tiles and the head are sent together with the checkpoint, in one statement (one round trip);
  // all three are inside the same transaction either way.
  async insertTiles(tiles: readonly FullTile[]): Promise<void> {
    this.#tiles = tiles;
  }

  async setHead(head: Head): Promise<void> {
    this.#head = head;
  }

  async insertCheckpoint(cp: SignedCheckpoint): Promise<void> {
    const t = this.#tiles;
    const h = this.#head;
    if (!h) {
      // A checkpoint for the current head (start-up, after a change of name): nothing else to send.
      if (t.length > 0) throw new Error('tiles without a new head');
      await this.client.query('INSERT INTO checkpoints (tree_id, size, root, note) VALUES ($1, $2, $3, $4)', [str(this.treeId), str(cp.size), Buffer.from(cp.root), cp.note]);
      return;
    }
    await this.client.query(
      `WITH t AS (
         INSERT INTO tiles (tree_id, level, idx, hashes, nodes)
         SELECT $1::int8, * FROM unnest($2::int2[], $3::int8[], $4::bytea[], $5::bytea[])),
       h AS (UPDATE log_head SET size = $6, root = $7, updated_at = now() WHERE tree_id = $1)
       INSERT INTO checkpoints (tree_id, size, root, note) VALUES ($1, $8, $9, $10)`,
      [
        str(this.treeId),
        t.map((x) => x.level),
        t.map((x) => str(x.index)),
        t.map((x) => Buffer.from(x.hashes)),
        t.map((x) => Buffer.from(innerOf(x))),
        str(h.size),
        Buffer.from(h.root),
        str(cp.size),
        Buffer.from(cp.root),
        cp.note,
      ],
    );
    this.#tiles = [];
    this.#head = undefined;
  }

  /** Writes tiles or a head that no checkpoint followed (called before COMMIT). */
  async flushPending(): Promise<void> {
    if (this.#tiles.length > 0) {
      const t = this.#tiles;
      await this.client.query(
        'INSERT INTO tiles (tree_id, level, idx, hashes, nodes) SELECT $1::int8, * FROM unnest($2::int2[], $3::int8[], $4::bytea[], $5::bytea[])',
        [str(this.treeId), t.map((x) => x.level), t.map((x) => str(x.index)), t.map((x) => Buffer.from(x.hashes)), t.map((x) => Buffer.from(innerOf(x)))],
      );
      this.#tiles = [];
    }
    if (this.#head) {
      await this.client.query('UPDATE log_head SET size = $2, root = $3, updated_at = now() WHERE tree_id = $1', [str(this.treeId), str(this.#head.size), Buffer.from(this.#head.root)]);
      this.#head = undefined;
    }
  }
}

/** Runs fn in one transaction on a dedicated client; COMMIT only when fn resolves. */
export async function withPgWriter<T>(pool: pg.Pool, treeId: TreeId, fn: (tx: WriterTx) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    try {
      // BEGIN is sent by lockHead(), the first call of every writer transaction.
      const tx = new PgWriterTx(client, treeId);
      const out = await fn(tx);
      await tx.flushPending();
      await client.query('COMMIT');
      return out;
    } catch (e) {
      // The caller must see the error that caused the rollback. ROLLBACK itself fails only on a
      // connection that is already broken: that client is discarded below (every failure discards
      // it), and its connection error is logged by the listener in connect.ts.
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      throw e;
    }
  } catch (e) {
    broken = true;
    throw e;
  } finally {
    // A client whose transaction failed is discarded rather than reused.
    client.release(broken ? true : undefined);
  }
}
