/** Rolling a stored tree back behind a running log's back (a restore, a failover), and undoing it. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TransparencyLog } from '../../src/log/log.ts';
import type { Database } from '../../src/db/connect.ts';

export type Saved = { entries: unknown[]; index: unknown[]; tiles: unknown[]; checkpoints: unknown[]; head: unknown };

/**
 * Rolls the stored tree back to `size` behind the log's back, as a restore of an older backup
 * would: entries, index rows, tiles and checkpoints newer than `size` disappear and the head goes
 * back. Returns what was removed, to put it back later ("the replica caught up").
 */
export async function rollBack(database: Database, log: TransparencyLog, size: bigint): Promise<Saved> {
  const root = await log.rootAt(size);
  const d = database.db;
  const tree = log.treeId;
  const saved: Saved = {
    entries: await d.selectFrom('entries').selectAll().where('tree_id', '=', tree).where('leaf_index', '>=', size).execute(),
    index: await d.selectFrom('entry_index').selectAll().where('tree_id', '=', tree).where('leaf_index', '>=', size).execute(),
    tiles: [],
    checkpoints: await d.selectFrom('checkpoints').selectAll().where('tree_id', '=', tree).where('size', '>', size).execute(),
    head: await d.selectFrom('log_head').selectAll().where('tree_id', '=', tree).executeTakeFirstOrThrow(),
  };
  for (let level = 0; level < 4; level++) {
    const full = size >> BigInt(8 * (level + 1));
    saved.tiles.push(...(await d.selectFrom('tiles').selectAll().where('tree_id', '=', tree).where('level', '=', level).where('idx', '>=', full).execute()));
    await d.deleteFrom('tiles').where('tree_id', '=', tree).where('level', '=', level).where('idx', '>=', full).execute();
  }
  await d.deleteFrom('entry_index').where('tree_id', '=', tree).where('leaf_index', '>=', size).execute();
  await d.deleteFrom('entries').where('tree_id', '=', tree).where('leaf_index', '>=', size).execute();
  await d.deleteFrom('checkpoints').where('tree_id', '=', tree).where('size', '>', size).execute();
  await d.updateTable('log_head').set({ size, root }).where('tree_id', '=', tree).execute();
  return saved;
}

export async function restore(database: Database, log: TransparencyLog, saved: Saved): Promise<void> {
  const d = database.db;
  const put = async (table: 'entries' | 'entry_index' | 'tiles' | 'checkpoints', rows: unknown[]) => {
    if (rows.length > 0) await d.insertInto(table).values(rows as never).execute();
  };
  await put('entries', saved.entries);
  await put('entry_index', saved.index);
  await put('tiles', saved.tiles);
  await put('checkpoints', saved.checkpoints);
  const h = saved.head as { size: bigint; root: Uint8Array };
  await d.updateTable('log_head').set({ size: h.size, root: h.root }).where('tree_id', '=', log.treeId).execute();
}

/** A fresh path for a signed-state record, and what the record holds. */
export const recordPath = (name = 'signed-state.json') => join(mkdtempSync(join(tmpdir(), 'signed-state-')), name);
export const readRecord = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as { size: string; root: string };
