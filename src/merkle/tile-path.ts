/**
 * C2SP tlog-tiles resource paths (https://c2sp.org/tlog-tiles#merkle-tree):
 *
 *   tile/<L>/<N>[.p/<W>]        hash tile at level L, index N
 *   tile/entries/<N>[.p/<W>]    entry bundle N
 *
 * <L> is decimal 0..63. <N> is written as zero-padded 3-digit path elements,
 * all but the last prefixed with "x" (1234067 → x001/x234/067, 5 → 005).
 * ".p/<W>" is present only for a partial tile of width W in 1..255.
 */
import { MerkleError } from './errors.ts';
import { assertU64 } from './check.ts';
import { MAX_TILE_LEVEL, TILE_WIDTH } from './tile.ts';

/** Path of the hash tile (level, index) with `width` hashes (default / 256 = full). */
export function tilePath(level: number, index: bigint, width?: number): string {
  if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL) {
    throw new MerkleError('invalid_argument', `tile level must be an integer in 0..${MAX_TILE_LEVEL}, got ${String(level)}`);
  }
  return `tile/${level}/${encodeIndex(index)}${partialSuffix(width)}`;
}

/** Path of the entry bundle `index` with `width` entries (default / 256 = full). */
export function entriesPath(index: bigint, width?: number): string {
  return `tile/entries/${encodeIndex(index)}${partialSuffix(width)}`;
}

/** The <N> encoding. Requires 0 <= index < 2^64. */
export function encodeTileIndex(index: bigint): string {
  return encodeIndex(index);
}

function encodeIndex(index: bigint): string {
  assertU64(index, 'tile index');
  let s = (index % 1000n).toString().padStart(3, '0');
  index /= 1000n;
  while (index > 0n) {
    s = `x${(index % 1000n).toString().padStart(3, '0')}/${s}`;
    index /= 1000n;
  }
  return s;
}

function partialSuffix(width: number | undefined): string {
  if (width === undefined || width === TILE_WIDTH) return '';
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) {
    throw new MerkleError('invalid_argument', `tile width must be an integer in 1..${TILE_WIDTH}, got ${String(width)}`);
  }
  return `.p/${width}`;
}
