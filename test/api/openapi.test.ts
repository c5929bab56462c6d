import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { parse } from 'yaml';
import { buildServer } from '../../src/api/server.ts';

it('openapi.yaml documents every route the server registers', async () => {
  const doc = parse(readFileSync(new URL('../../openapi.yaml', import.meta.url), 'utf8')) as { paths: Record<string, Record<string, unknown>> };
  const routes: Array<[string, string]> = [];
  const app = buildServer({}, {
    onRoute: (r) => {
      for (const m of [r.method].flat()) if (m !== 'HEAD') routes.push([m.toLowerCase(), r.url.replace(/:([A-Za-z]+)/g, '{$1}')]);
    },
  });
  await app.ready();
  assert.ok(routes.length > 5);
  for (const [method, url] of routes) {
    assert.ok(doc.paths[url]?.[method], `${method.toUpperCase()} ${url} is not in openapi.yaml`);
  }
  await app.close();
});
