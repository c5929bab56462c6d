import { type FullTile, TileHashes } from '../merkle/index.ts';

/** The internal nodes stored beside a full tile (derived; proofs from cold tiles need no hashing). */
export const innerOf = (t: FullTile): Uint8Array => new TileHashes(t.hashes).innerBytes();
