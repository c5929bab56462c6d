import assert from 'node:assert/strict';
import { maxHeaderSize } from 'node:http';
import { it } from 'node:test';
import { HTTP_STATUS } from '../../src/api/errors.ts';
import { buildServer } from '../../src/api/server.ts';
import { ERROR_CODES } from '../../src/errors.ts';

it('every domain error code has exactly one HTTP mapping', () => {
  for (const c of ERROR_CODES) assert.equal(typeof HTTP_STATUS[c], 'number', `no HTTP status for ${c}`);
  assert.deepEqual(Object.keys(HTTP_STATUS).sort(), [...ERROR_CODES].sort());
});

it('errors raised before a route answers {code, message}: bad URL 400, long path parameter 414, headers too large 431', async () => {
  const app = buildServer({ notReady: 'not attached in this test' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const cases: [string, RequestInit, number, RegExp][] = [
      ['/api/v1/log/entries/%zz', {}, 400, /not valid/],
      [`/api/v1/log/entries/${'a'.repeat(8192)}`, {}, 414, /too long/],
      ['/api/v1/log', { headers: { 'x-big': 'a'.repeat(maxHeaderSize + 1) } }, 431, new RegExp(`larger than ${maxHeaderSize} bytes`)],
    ];
    for (const [path, init, status, message] of cases) {
      const r = await fetch(`${base}${path}`, init);
      assert.equal(r.status, status, path.slice(0, 40));
      const body = (await r.json()) as { code: number; message: string };
      assert.equal(body.code, status);
      assert.match(body.message, message);
    }
  } finally {
    await app.close();
  }
});
