/** C2SP tlog-tiles maths: coordinates, widths, TileHashes, tileRoot, paths. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  TILE_HEIGHT,
  TILE_WIDTH,
  TileHashes,
  entriesPath,
  fullTileCount,
  nodeRange,
  partialTileWidth,
  tileCoordsForNode,
  tilePath,
  tileRoot,
} from '../../src/merkle/index.ts';
import { RefTree, makeLeaves, refLeafHash } from './reference.ts';
import { hex, isMerkleError } from './helpers.ts';

const ref = new RefTree(makeLeaves(1024, 7));
const leafHashes = ref.leaves.map(refLeafHash);

test('constants', () => {
  assert.equal(TILE_HEIGHT, 8);
  assert.equal(TILE_WIDTH, 256);
});

test('tileCoordsForNode: examples', () => {
  assert.deepEqual(tileCoordsForNode({ level: 0, index: 0n }), { tileLevel: 0, tileIndex: 0n, height: 0, offset: 0 });
  assert.deepEqual(tileCoordsForNode({ level: 0, index: 300n }), { tileLevel: 0, tileIndex: 1n, height: 0, offset: 44 });
  assert.deepEqual(tileCoordsForNode({ level: 3, index: 5n }), { tileLevel: 0, tileIndex: 0n, height: 3, offset: 40 });
  assert.deepEqual(tileCoordsForNode({ level: 7, index: 3n }), { tileLevel: 0, tileIndex: 1n, height: 7, offset: 128 });
  assert.deepEqual(tileCoordsForNode({ level: 8, index: 0n }), { tileLevel: 1, tileIndex: 0n, height: 0, offset: 0 });
  assert.deepEqual(tileCoordsForNode({ level: 9, index: 3n }), { tileLevel: 1, tileIndex: 0n, height: 1, offset: 6 });
  assert.deepEqual(tileCoordsForNode({ level: 16, index: 257n }), { tileLevel: 2, tileIndex: 1n, height: 0, offset: 1 });
});

test('tileCoordsForNode: the tile slice covers exactly the node leaves (fast-check)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 63 }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (level, x) => {
      const index = x >> BigInt(level);
      const c = tileCoordsForNode({ level, index });
      assert.equal(c.tileLevel, Math.floor(level / 8));
      assert.equal(c.height, level % 8);
      assert.ok(c.offset >= 0 && c.offset + (1 << c.height) <= 256 && c.offset % (1 << c.height) === 0);
      const base = BigInt(8 * c.tileLevel);
      const first = c.tileIndex * 256n + BigInt(c.offset);
      const r = nodeRange({ level, index });
      assert.equal(first << base, r.begin);
      assert.equal((first + (1n << BigInt(c.height))) << base, r.end);
    }),
    { numRuns: 2000 },
  );
});

test('fullTileCount / partialTileWidth', () => {
  assert.equal(fullTileCount(0n, 0), 0n);
  assert.equal(partialTileWidth(0n, 0), 0);
  assert.equal(fullTileCount(255n, 0), 0n);
  assert.equal(partialTileWidth(255n, 0), 255);
  assert.equal(fullTileCount(256n, 0), 1n);
  assert.equal(partialTileWidth(256n, 0), 0);
  assert.equal(partialTileWidth(256n, 1), 1);
  assert.equal(fullTileCount(256n, 1), 0n);
  assert.deepEqual([0, 1, 2, 3].map((L) => fullTileCount(70_000n, L)), [273n, 1n, 0n, 0n]);
  assert.deepEqual([0, 1, 2, 3].map((L) => partialTileWidth(70_000n, L)), [112, 17, 1, 0]);
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (n) => {
      let sum = 0n;
      for (let L = 0; L < 9; L++) {
        const w = partialTileWidth(n, L);
        assert.equal(fullTileCount(n, L) * 256n + BigInt(w), n >> BigInt(8 * L));
        sum += BigInt(w) << BigInt(8 * L);
      }
      assert.equal(sum, n, 'the widths are the base-256 digits of n');
    }),
  );
});

test('tileRoot is the level-8 node; TileHashes nodes equal the reference, full and partial', () => {
  for (const t of [0, 1, 3]) {
    const slice = leafHashes.slice(256 * t, 256 * t + 256);
    assert.equal(hex(tileRoot(slice)), hex(ref.node(8, BigInt(t))));
    assert.equal(hex(tileRoot(Buffer.concat(slice))), hex(ref.node(8, BigInt(t))), 'concatenated form');
  }
  for (const width of [1, 2, 3, 5, 8, 100, 128, 255, 256]) {
    const tile = new TileHashes(leafHashes.slice(256, 256 + width)); // tile (0, 1)
    assert.equal(tile.width, width);
    for (let h = 0; h <= 8; h++) {
      for (let off = 0; off + (1 << h) <= width; off += 1 << h) {
        assert.equal(hex(tile.node(h, off)), hex(ref.node(h, BigInt((256 + off) >> h))), `width ${width} node (${h}, ${off})`);
      }
    }
    assert.equal(hex(tile.toBytes()), hex(Buffer.concat(leafHashes.slice(256, 256 + width))));
  }
});

test('TileHashes caches: repeated lookups return the same stored hash', () => {
  const tile = new TileHashes(Buffer.concat(leafHashes.slice(0, 256)));
  const same = (a: Uint8Array, b: Uint8Array): boolean => a.buffer === b.buffer && a.byteOffset === b.byteOffset;
  assert.ok(same(tile.node(8, 0), tile.node(8, 0)));
  assert.ok(same(tile.node(5, 64), tile.node(5, 64)));
  assert.ok(same(tile.node(1, 254), tile.node(1, 254)));
  assert.equal(hex(tile.node(1, 254)), hex(ref.node(1, 127n)));
});

test('TileHashes copies its input (Buffer.slice would alias it)', () => {
  for (const input of [Buffer.concat(leafHashes.slice(0, 4)), leafHashes.slice(0, 4).map((h) => Buffer.from(h))]) {
    const tile = new TileHashes(input);
    if (Array.isArray(input)) input.forEach((h) => h.fill(0));
    else input.fill(0);
    assert.equal(hex(tile.node(0, 0)), hex(leafHashes[0]!));
    assert.equal(hex(tile.node(2, 0)), hex(ref.node(2, 0n)));
    tile.toBytes().fill(0);
    assert.equal(hex(tile.node(0, 3)), hex(leafHashes[3]!));
  }
});

test('TileHashes and tileRoot reject bad input with MerkleError', () => {
  const bad: unknown[] = [[], new Uint8Array(0), new Uint8Array(31), new Uint8Array(33), new Uint8Array(257 * 32), Array(257).fill(leafHashes[0]), [new Uint8Array(31)], ['x'], 'abc', null, 5];
  for (const b of bad) assert.throws(() => new TileHashes(b as Uint8Array), isMerkleError('invalid_argument'));
  assert.throws(() => tileRoot(leafHashes.slice(0, 255)), isMerkleError('invalid_argument'));
  const t = new TileHashes(leafHashes.slice(0, 10));
  for (const [h, off] of [[-1, 0], [9, 0], [0, 10], [1, 9], [1, 1], [3, 8], [4, 0], [0.5, 0], [0, 0.5], [0, -1], [Number.NaN, 0]] as const) {
    assert.throws(() => t.node(h, off), isMerkleError('invalid_argument'), `node(${h}, ${off})`);
  }
});

test('tile paths (C2SP tlog-tiles)', () => {
  assert.equal(tilePath(0, 1234067n, 5), 'tile/0/x001/x234/067.p/5');
  assert.equal(tilePath(0, 1234067n), 'tile/0/x001/x234/067');
  assert.equal(tilePath(0, 1234067n, 256), 'tile/0/x001/x234/067');
  assert.equal(tilePath(1, 0n), 'tile/1/000');
  assert.equal(tilePath(2, 5n, 1), 'tile/2/005.p/1');
  assert.equal(tilePath(3, 1000n, 255), 'tile/3/x001/000.p/255');
  assert.equal(tilePath(63, 999n), 'tile/63/999');
  assert.equal(tilePath(0, (1n << 64n) - 1n), 'tile/0/x018/x446/x744/x073/x709/x551/615');
  assert.equal(entriesPath(1234067n, 8), 'tile/entries/x001/x234/067.p/8');
  assert.equal(entriesPath(0n), 'tile/entries/000');
  for (const w of [0, 257, 1.5, -1, Number.NaN]) assert.throws(() => tilePath(0, 0n, w), isMerkleError('invalid_argument'));
  for (const l of [-1, 64, 0.5]) assert.throws(() => tilePath(l, 0n), isMerkleError('invalid_argument'));
  for (const i of [-1n, 1n << 64n, 5 as unknown as bigint]) {
    assert.throws(() => tilePath(0, i), isMerkleError('invalid_argument'));
    assert.throws(() => entriesPath(i), isMerkleError('invalid_argument'));
  }
});
