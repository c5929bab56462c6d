/**
 * Fast seeding for benchmarks: N synthetic leaves written with binary COPY (entries and full tiles),
 * then the head and a signed checkpoint, exactly as the sequencer would have left them.
 */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import copyStreams from 'pg-copy-streams';
import type pg from 'pg';
import type { Signer } from '../src/crypto/signer.ts';
import type { Database } from '../src/db/connect.ts';
import { logStoreFor } from '../src/db/log-store.ts';
import { innerOf } from '../src/db/tile-inner.ts';
import { formatCheckpointBody, signNote } from '../src/encoding/checkpoint.ts';
import { TransparencyLog } from '../src/log/log.ts';
import { systemClock } from '../src/log/types.ts';
import { type FullTile, hashLeaf, TileEdge } from '../src/merkle/index.ts';
import { COPY_HEADER, COPY_TRAILER, encodeRow } from '../src/db/copy-binary.ts';

export async function copyRows(pool: pg.Pool, table: string, columns: string[], rows: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<void> {
  const client = await pool.connect();
  try {
    const stream = client.query(copyStreams.from(`COPY ${table} (${columns.join(', ')}) FROM STDIN (FORMAT binary)`));
    async function* gen() {
      yield COPY_HEADER;
      let chunk: Buffer[] = [];
      let bytes = 0;
      for await (const r of rows) {
        chunk.push(r);
        bytes += r.length;
        if (bytes > 1 << 20) {
          yield Buffer.concat(chunk);
          chunk = [];
          bytes = 0;
        }
      }
      if (chunk.length) yield Buffer.concat(chunk);
      yield COPY_TRAILER;
    }
    await pipeline(Readable.from(gen()), stream);
  } finally {
    client.release();
  }
}

export async function seedLog(database: Database, signer: Signer, name: string, n: number, log?: (m: string) => void): Promise<void> {
  const pool = database.pool!;
  const l = await TransparencyLog.open({
    store: logStoreFor(database),
    purpose: 'rekor',
    name,
    signer,
    clock: systemClock,
    signSets: false,
    options: { maxBatchSize: 1, maxBatchAgeMs: 0, maxPending: 1, tileCacheSize: 16 },
  });
  const treeId = l.treeId;
  await l.close();
  if (l.size !== 0n) throw new Error('seed needs an empty log');
  const edge = TileEdge.empty();
  const tiles: FullTile[] = [];
  const now = BigInt(Math.floor(Date.now() / 1000));
  await sql`ALTER TABLE entries DROP CONSTRAINT entries_tree_id_leaf_hash_key`.execute(database.db);
  await sql`ALTER TABLE entries DROP CONSTRAINT entries_pkey`.execute(database.db);
  function* rows() {
    for (let i = 0; i < n; i++) {
      const body = Buffer.from(`{"seed":${i}}`);
      const h = hashLeaf(body);
      for (const t of edge.append(h)) tiles.push(t);
      if (log && i % 1_000_000 === 0 && i > 0) log(`  seeded ${i} leaves`);
      yield encodeRow([{ int8: treeId }, { int8: BigInt(i) }, { bytea: h }, { bytea: body }, null, { int8: now }, null]);
    }
  }
  await copyRows(pool, 'entries', ['tree_id', 'leaf_index', 'leaf_hash', 'body', 'kind', 'integrated_time', 'set_sig'], rows());
  log?.('  entries copied; rebuilding indexes');
  await sql`ALTER TABLE entries ADD PRIMARY KEY (tree_id, leaf_index)`.execute(database.db);
  await sql`ALTER TABLE entries ADD CONSTRAINT entries_tree_id_leaf_hash_key UNIQUE (tree_id, leaf_hash)`.execute(database.db);
  await copyRows(pool, 'tiles', ['tree_id', 'level', 'idx', 'hashes', 'nodes'], tiles.map((t) => encodeRow([{ int8: treeId }, { int2: t.level }, { int8: t.index }, { bytea: t.hashes }, { bytea: innerOf(t) }])));
  const root = edge.root();
  const note = signNote(formatCheckpointBody({ origin: `${name} - ${treeId}`, size: edge.size, rootHash: root }), name, signer.publicKeyDer, signer.sign);
  await database.db.updateTable('log_head').set({ size: edge.size, root }).where('tree_id', '=', treeId).execute();
  await database.db.insertInto('checkpoints').values({ tree_id: treeId, size: edge.size, root, note }).execute();
  await sql`ANALYZE`.execute(database.db);
}
