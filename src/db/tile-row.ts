/** One tiles row as every reader selects it, and the query that reads several by coordinates. */
import { type StoredTile, type TileCoord, tileKey } from '../log/store.ts';
import type { TreeId } from '../log/types.ts';

export interface TileRow {
  level: number;
  idx: bigint;
  hashes: Uint8Array;
  nodes: Uint8Array;
}

/** Tiles of a tree by coordinates: $1 tree id, $2 int2[] levels, $3 int8[] indices (readTilesParams). */
export const READ_TILES_SQL = 'SELECT level, idx, hashes, nodes FROM tiles WHERE tree_id = $1 AND (level, idx) IN (SELECT * FROM unnest($2::int2[], $3::int8[]))';

export const readTilesParams = (treeId: TreeId, coords: readonly TileCoord[]): unknown[] => [
  treeId.toString(),
  coords.map((c) => c.level),
  coords.map((c) => c.index.toString()),
];

/** Keyed by tileKey. No copy: TileHashes copies what it keeps (one allocation per cached tile). */
export function tilesByKey(rows: readonly TileRow[]): Map<string, StoredTile> {
  const out = new Map<string, StoredTile>();
  for (const r of rows) out.set(tileKey(r.level, r.idx), { hashes: r.hashes, inner: r.nodes });
  return out;
}
