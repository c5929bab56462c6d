#!/usr/bin/env node
// `npm test`: the whole suite on embedded PGlite, then every database-backed suite again on real
// Postgres (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test). Each suite uses its own
// schema there, so runs never collide.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const PG_DIRS = ['test/db', 'test/log', 'test/api', 'test/e2e', 'test/ca', 'test/ct', 'test/hostile'];
const pgUrl = process.env.PROVENANT_TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const extra = process.argv.slice(2);

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return files(p);
    return p.endsWith('.test.ts') ? [p] : [];
  });
}

function run(label, list, env) {
  if (list.length === 0) return 0;
  console.log(`\n=== ${label}: ${list.length} test files ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...extra, ...list], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return r.status ?? 1;
}

const all = files('test').sort();
const { DATABASE_URL: _ignored, ...baseEnv } = process.env;
let status = run('embedded PGlite', all, { ...baseEnv, DATABASE_URL: '' });
const pgFiles = all.filter((f) => PG_DIRS.some((d) => f.startsWith(d + '/')));
status ||= 0;
const s2 = run(`real Postgres (${pgUrl})`, pgFiles, { DATABASE_URL: pgUrl });
process.exit(status || s2);
