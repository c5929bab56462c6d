/** One entries row as every reader selects it, and its mapping to the domain type. */
import type { StoredEntry } from '../log/store.ts';
import type { LeafIndex } from '../log/types.ts';
import type { EntriesTable } from './schema.ts';

export type EntryRow = Pick<EntriesTable, 'leaf_index' | 'leaf_hash' | 'body' | 'kind' | 'integrated_time' | 'set_sig' | 'extra_data'>;

/** The columns of EntryRow, for SQL text. */
export const ENTRY_COLUMNS = 'leaf_index, leaf_hash, body, kind, integrated_time, set_sig, extra_data';

/** Entries of a tree by leaf hash: $1 tree id, $2 bytea[] of leaf hashes. */
export const ENTRIES_BY_LEAF_HASH_SQL = `SELECT ${ENTRY_COLUMNS} FROM entries WHERE tree_id = $1 AND leaf_hash = ANY($2::bytea[])`;

/** Entries of a tree by leaf index: $1 tree id, $2 int8[] of leaf indices. */
export const ENTRIES_BY_INDEX_SQL = `SELECT ${ENTRY_COLUMNS} FROM entries WHERE tree_id = $1 AND leaf_index = ANY($2::int8[])`;

export const toEntry = (r: EntryRow): StoredEntry => ({
  leafIndex: r.leaf_index as LeafIndex,
  leafHash: new Uint8Array(r.leaf_hash),
  body: new Uint8Array(r.body),
  kind: r.kind,
  integratedTime: r.integrated_time,
  setSig: r.set_sig === null ? null : new Uint8Array(r.set_sig),
  extraData: r.extra_data === null || r.extra_data === undefined ? null : new Uint8Array(r.extra_data),
});

export const byHex = (rows: readonly EntryRow[]): Map<string, StoredEntry> =>
  new Map(rows.map((r) => [Buffer.from(r.leaf_hash).toString('hex'), toEntry(r)]));
