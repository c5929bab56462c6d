/** LogStore over Kysely: the same SQL on Postgres and PGlite. */
import { CompiledQuery, type Kysely, sql, type Transaction } from 'kysely';
import type { Head, LogStore, NewEntry, StoredEntry, StoredTile, TileCoord, TreeRecord, WriterTx } from '../log/store.ts';
import { rethrowDuplicateLeaf } from '../log/store.ts';
import type { SignedCheckpoint, TreeId } from '../log/types.ts';
import type { FullTile } from '../merkle/index.ts';
import { innerOf } from './tile-inner.ts';
import { withPgWriter } from './pg-writer.ts';
import type { DB } from './schema.ts';
import { byHex, ENTRIES_BY_INDEX_SQL, ENTRY_COLUMNS, type EntryRow, toEntry } from './entry-row.ts';
import { READ_TILES_SQL, readTilesParams, type TileRow, tilesByKey } from './tile-row.ts';
import type pg from 'pg';

const str = (n: bigint) => n.toString();


async function entriesByLeafHash(db: Kysely<DB> | Transaction<DB>, treeId: TreeId, hashes: readonly Uint8Array[]): Promise<EntryRow[]> {
  const { rows } = await sql<EntryRow>`
    SELECT ${sql.raw(ENTRY_COLUMNS)} FROM entries
    WHERE tree_id = ${str(treeId)} AND leaf_hash = ANY(${hashes as Uint8Array[]}::bytea[])`.execute(db);
  return rows;
}

const READ_TILE_SQL = 'SELECT level, idx, hashes, nodes FROM tiles WHERE tree_id = $1 AND level = $2 AND idx = $3';

async function readTilesIn(db: Kysely<DB> | Transaction<DB>, treeId: TreeId, coords: readonly TileCoord[]): Promise<Map<string, StoredTile>> {
  if (coords.length === 0) return new Map();
  return tilesByKey((await db.executeQuery<TileRow>(CompiledQuery.raw(READ_TILES_SQL, readTilesParams(treeId, coords)))).rows);
}

async function newestCheckpointIn(db: Kysely<DB> | Transaction<DB>, treeId: TreeId): Promise<SignedCheckpoint | undefined> {
  const r = await db.selectFrom('checkpoints').select(['size', 'root', 'note']).where('tree_id', '=', treeId).orderBy('size', 'desc').limit(1).executeTakeFirst();
  return r ? { size: r.size, root: new Uint8Array(r.root), note: r.note } : undefined;
}



class KyselyWriterTx implements WriterTx {
  constructor(
    private readonly trx: Transaction<DB>,
    private readonly treeId: TreeId,
  ) {}

  async lockHead(): Promise<Head> {
    // The writer lock: a row lock on the head, held until commit or rollback.
    const row = await this.trx
      .selectFrom('log_head')
      .select(['size', 'root'])
      .where('tree_id', '=', this.treeId)
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw new Error(`tree ${this.treeId} has no head row`);
    return { size: row.size, root: new Uint8Array(row.root) };
  }

  async newestCheckpoint(): Promise<Head | undefined> {
    return newestCheckpointIn(this.trx, this.treeId);
  }

  readTiles(coords: readonly TileCoord[]): Promise<Map<string, StoredTile>> {
    return readTilesIn(this.trx, this.treeId, coords);
  }

  async findByLeafHashes(hashes: readonly Uint8Array[]): Promise<Map<string, StoredEntry>> {
    if (hashes.length === 0) return new Map();
    return byHex(await entriesByLeafHash(this.trx, this.treeId, hashes));
  }

  async insertEntries(rows: readonly NewEntry[]): Promise<void> {
    if (rows.length === 0) return;
    await sql`
      INSERT INTO entries (tree_id, leaf_index, leaf_hash, body, kind, integrated_time, set_sig, extra_data)
      SELECT ${str(this.treeId)}::int8, * FROM unnest(
        ${rows.map((r) => str(r.leafIndex))}::int8[], ${rows.map((r) => r.leafHash)}::bytea[],
        ${rows.map((r) => r.body)}::bytea[], ${rows.map((r) => r.kind)}::text[],
        ${rows.map((r) => str(r.integratedTime))}::int8[], ${rows.map((r) => r.setSig)}::bytea[],
        ${rows.map((r) => r.extraData)}::bytea[])`
      .execute(this.trx)
      .catch(rethrowDuplicateLeaf);
    const keys: string[] = [];
    const idx: string[] = [];
    for (const r of rows) {
      for (const k of new Set(r.indexKeys)) {
        keys.push(k);
        idx.push(str(r.leafIndex));
      }
    }
    if (keys.length > 0) {
      await sql`
        INSERT INTO entry_index (tree_id, key, leaf_index)
        SELECT ${str(this.treeId)}::int8, * FROM unnest(${keys}::text[], ${idx}::int8[])`.execute(this.trx);
    }
  }

  async insertTiles(tiles: readonly FullTile[]): Promise<void> {
    if (tiles.length === 0) return;
    await sql`
      INSERT INTO tiles (tree_id, level, idx, hashes, nodes)
      SELECT ${str(this.treeId)}::int8, * FROM unnest(
        ${tiles.map((t) => t.level)}::int2[], ${tiles.map((t) => str(t.index))}::int8[], ${tiles.map((t) => t.hashes)}::bytea[],
        ${tiles.map((t) => innerOf(t))}::bytea[])`.execute(this.trx);
  }

  async setHead(head: Head): Promise<void> {
    await this.trx
      .updateTable('log_head')
      .set({ size: head.size, root: head.root, updated_at: new Date() })
      .where('tree_id', '=', this.treeId)
      .execute();
  }

  async insertCheckpoint(cp: SignedCheckpoint): Promise<void> {
    await this.trx.insertInto('checkpoints').values({ tree_id: this.treeId, size: cp.size, root: cp.root, note: cp.note }).execute();
  }
}

export class KyselyLogStore implements LogStore {
  /** With a pg pool (real Postgres), the writer uses a raw client and binary COPY. */
  constructor(
    private readonly db: Kysely<DB>,
    private readonly pool?: pg.Pool,
  ) {}

  async getTree(purpose: string): Promise<TreeRecord | undefined> {
    const r = await this.db.selectFrom('trees').selectAll().where('purpose', '=', purpose).executeTakeFirst();
    if (!r) return undefined;
    return { treeId: r.tree_id as TreeId, purpose: r.purpose, origin: r.origin, publicKey: new Uint8Array(r.public_key), createdAt: r.created_at };
  }

  async createTree(tree: Omit<TreeRecord, 'createdAt'>, head: Head, checkpoint: SignedCheckpoint): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('trees').values({ tree_id: tree.treeId, purpose: tree.purpose, origin: tree.origin, public_key: tree.publicKey }).execute();
      await trx.insertInto('log_head').values({ tree_id: tree.treeId, size: head.size, root: head.root }).execute();
      await trx.insertInto('checkpoints').values({ tree_id: tree.treeId, size: checkpoint.size, root: checkpoint.root, note: checkpoint.note }).execute();
    });
  }

  async head(treeId: TreeId): Promise<Head> {
    const r = await this.db.selectFrom('log_head').select(['size', 'root']).where('tree_id', '=', treeId).executeTakeFirstOrThrow();
    return { size: r.size, root: new Uint8Array(r.root) };
  }

  latestCheckpoint(treeId: TreeId): Promise<SignedCheckpoint | undefined> {
    return newestCheckpointIn(this.db, treeId);
  }

  async checkpointAt(treeId: TreeId, size: bigint): Promise<SignedCheckpoint | undefined> {
    const r = await this.db.selectFrom('checkpoints').select(['size', 'root', 'note']).where('tree_id', '=', treeId).where('size', '=', size).executeTakeFirst();
    return r ? { size: r.size, root: new Uint8Array(r.root), note: r.note } : undefined;
  }

  async readTiles(treeId: TreeId, coords: readonly TileCoord[]): Promise<Map<string, StoredTile>> {
    if (this.pool && coords.length === 1) {
      // Hot path of every proof (one cold tile): a prepared statement, an index lookup.
      return tilesByKey((await this.pool.query<TileRow>({ name: 'provenant_read_tile', text: READ_TILE_SQL, values: [str(treeId), coords[0]!.level, str(coords[0]!.index)] })).rows);
    }
    return readTilesIn(this.db, treeId, coords);
  }

  async leafHashes(treeId: TreeId, from: bigint, to: bigint): Promise<Uint8Array[]> {
    if (to <= from) return [];
    const rows = await this.db
      .selectFrom('entries')
      .select(['leaf_index', 'leaf_hash'])
      .where('tree_id', '=', treeId)
      .where('leaf_index', '>=', from)
      .where('leaf_index', '<', to)
      .orderBy('leaf_index')
      .execute();
    if (BigInt(rows.length) !== to - from) throw new Error(`leaves [${from}, ${to}) of tree ${treeId} are incomplete: found ${rows.length}`);
    return rows.map((r) => new Uint8Array(r.leaf_hash));
  }

  async entriesByIndex(treeId: TreeId, indices: readonly bigint[]): Promise<StoredEntry[]> {
    if (indices.length === 0) return [];
    const params = [str(treeId), indices.map(str)];
    const rows = this.pool
      ? (await this.pool.query<EntryRow>({ name: 'provenant_entries_by_index', text: ENTRIES_BY_INDEX_SQL, values: params })).rows
      : (await sql<EntryRow>`
          SELECT ${sql.raw(ENTRY_COLUMNS)} FROM entries
          WHERE tree_id = ${params[0]} AND leaf_index = ANY(${params[1]}::int8[])`.execute(this.db)).rows;
    return rows.map(toEntry);
  }

  async entriesByLeafHash(treeId: TreeId, hashes: readonly Uint8Array[]): Promise<StoredEntry[]> {
    if (hashes.length === 0) return [];
    return (await entriesByLeafHash(this.db, treeId, hashes)).map(toEntry);
  }

  async searchIndex(treeId: TreeId, groups: readonly (readonly string[])[], op: 'and' | 'or', limit: number): Promise<bigint[]> {
    const keys: string[] = [];
    const group: number[] = [];
    groups.forEach((g, i) => {
      for (const k of new Set(g)) {
        keys.push(k);
        group.push(i);
      }
    });
    if (keys.length === 0) return [];
    const need = op === 'and' ? groups.length : 1;
    const { rows } = await sql<{ leaf_index: bigint }>`
      SELECT e.leaf_index FROM entry_index e
      JOIN unnest(${keys}::text[], ${group}::int4[]) AS q(key, g) ON e.key = q.key
      WHERE e.tree_id = ${str(treeId)}
      GROUP BY e.leaf_index HAVING count(DISTINCT q.g) >= ${need}
      ORDER BY e.leaf_index LIMIT ${limit}`.execute(this.db);
    return rows.map((r) => r.leaf_index);
  }

  async withWriter<T>(treeId: TreeId, fn: (tx: WriterTx) => Promise<T>): Promise<T> {
    if (this.pool) return withPgWriter(this.pool, treeId, fn);
    return this.db.transaction().execute((trx) => fn(new KyselyWriterTx(trx, treeId)));
  }
}

/** The store for an open database (binary COPY writer on Postgres, Kysely on PGlite). */
export function logStoreFor(database: { db: Kysely<DB>; pool: pg.Pool | undefined }): KyselyLogStore {
  return new KyselyLogStore(database.db, database.pool);
}
