import assert from 'node:assert/strict';
import { it } from 'node:test';
import { TileCache } from '../../src/log/tile-cache.ts';

const tile = (b: number) => new Uint8Array(8192).fill(b);

it('tile cache: bounded, and a tile that is hit survives eviction of unused ones', () => {
  const c = new TileCache(3);
  c.set('a', tile(1));
  c.set('b', tile(2));
  c.set('c', tile(3));
  assert.ok(c.get('a')); // a is used
  c.set('d', tile(4)); // evicts b (a gets a second chance)
  assert.equal(c.size, 3);
  assert.ok(c.get('a'));
  assert.equal(c.get('b'), undefined);
  assert.equal(c.get('c')?.hash(0)[0], 3);
  for (let i = 0; i < 100; i++) c.set(`x${i}`, tile(i));
  assert.equal(c.size, 3);
});
