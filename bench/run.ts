/**
 * `npm run bench`: figures with the ceiling measured in the same run and the ratio.
 *   BENCH=append,proofs,entries,ca,tsa (default all)   BENCH_SIZES=1000000,10000000   BENCH_APPEND_N=200000
 *   BENCH_PG=postgres://postgres@127.0.0.1:5432/postgres (an admin connection; bench databases are created)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { generateLogKeyPem, signerFromPem } from '../src/crypto/signer.ts';
import { migrate, openDatabase } from '../src/db/connect.ts';
import { logStoreFor } from '../src/db/log-store.ts';
import { TransparencyLog } from '../src/log/log.ts';
import { systemClock } from '../src/log/types.ts';
import { hashLeaf } from '../src/merkle/index.ts';
import { encodeRow } from '../src/db/copy-binary.ts';
import { copyRows, seedLog } from './seed.ts';

const ADMIN = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const sections = (process.env.BENCH ?? 'append,proofs,entries,ca,tsa').split(',');
const sizes = (process.env.BENCH_SIZES ?? '1000000,10000000').split(',').map(Number);
const APPEND_N = Number(process.env.BENCH_APPEND_N ?? 200_000);
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const rows: string[][] = [];
const out = (s: string) => process.stdout.write(s + '\n');

function dbUrl(name: string) {
  const u = new URL(ADMIN);
  u.pathname = `/${name}`;
  return u.toString();
}
async function admin(q: string) {
  const c = new pg.Client({ connectionString: ADMIN });
  await c.connect();
  try {
    return await c.query(q);
  } finally {
    await c.end();
  }
}
async function freshDb(name: string) {
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`);
}

async function benchAppend() {
  out(`\n## append: ${APPEND_N} entries of 1 KiB through log.append(), durable, real Postgres`);
  await freshDb('provenant_bench_append');
  const database = await openDatabase({ url: dbUrl('provenant_bench_append'), poolSize: 4 });
  await migrate(database);
  const signer = signerFromPem(generateLogKeyPem());
  const log = await TransparencyLog.open({
    store: logStoreFor(database),
    purpose: 'rekor',
    name: 'bench.local',
    signer,
    clock: systemClock,
    signSets: false,
    options: {
      maxBatchSize: Number(process.env.BENCH_BATCH ?? 4096),
      maxBatchAgeMs: Number(process.env.BENCH_BATCH_AGE ?? 5),
      maxPending: 1_000_000,
      tileCacheSize: 1024,
    },
  });
  const pad = randomBytes(1024).toString('base64').slice(0, 1000);
  const bodyOf = (i: number) => Buffer.from(`{"i":${String(i).padStart(10, '0')},"p":"${pad}"}`.padEnd(1024, ' '));
  const inFlight = Number(process.env.BENCH_CONCURRENCY ?? 8192);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < APPEND_N) await log.append({ body: bodyOf(next++) });
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  const appendRate = APPEND_N / secs;
  await log.close();

  // Ceiling: one binary COPY of the same rows into an identical, empty table (same indexes).
  await (await import('kysely')).sql`CREATE SCHEMA ceiling`.execute(database.db);
  const d2 = await openDatabase({ url: dbUrl('provenant_bench_append'), schema: 'ceiling', poolSize: 2 });
  await migrate(d2);
  const now = BigInt(Math.floor(Date.now() / 1000));
  function* gen() {
    for (let i = 0; i < APPEND_N; i++) {
      const b = bodyOf(i);
      yield encodeRow([{ int8: 1n }, { int8: BigInt(i) }, { bytea: hashLeaf(b) }, { bytea: b }, null, { int8: now }, null]);
    }
  }
  const t1 = performance.now();
  await copyRows(d2.pool!, 'entries', ['tree_id', 'leaf_index', 'leaf_hash', 'body', 'kind', 'integrated_time', 'set_sig'], gen());
  const copyRate = APPEND_N / ((performance.now() - t1) / 1000);
  await d2.close();
  await database.close();
  rows.push(['append (log.append, 1 KiB, durable)', `${appendRate.toFixed(0)} entries/s`, `COPY ${copyRate.toFixed(0)} rows/s`, `${((appendRate / copyRate) * 100).toFixed(0)} %`, '≥ 50,000/s and ≥ 50 %']);
}

function startChild(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
}
async function waitHttp(url: string, timeoutMs = 60_000): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return performance.now() - t0;
    } catch {}
    if (performance.now() - t0 > timeoutMs) throw new Error(`${url} not ready`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}
async function load(url: string, path: (r: number) => string): Promise<{ rps: number; p99: number; errors: number }> {
  // Steady state: a short warm-up first (tile cache, JIT, connection pool), then the measured run.
  await autocannon({ url, connections: 32, duration: 3, requests: [{ setupRequest: (req: any) => ({ ...req, path: path(Math.random()) }) }] } as any);
  const res = await autocannon({
    url,
    connections: Number(process.env.BENCH_CONNECTIONS ?? 32),
    duration: DURATION,
    requests: [{ setupRequest: (req: any) => ({ ...req, path: path(Math.random()) }) }],
  } as any);
  return { rps: res.requests.average, p99: res.latency.p99, errors: res.non2xx + res.errors };
}

async function benchEntries() {
  const { makeEntries, postLoad } = await import('./entries.ts');
  const n = Number(process.env.BENCH_ENTRIES_N ?? 120_000);
  out(`\n## entries: hashedrekord over HTTP, real P-256 signatures (${n} pre-generated, key and certificate variants), durable on Postgres`);
  const bodies = makeEntries(n);
  const bare = startChild(['bench/bare-server.ts'], { PORT: '39100' });
  await waitHttp('http://127.0.0.1:39100/bare');
  const bareRes = await postLoad('http://127.0.0.1:39100', '/bare', bodies, DURATION, 64);
  bare.kill();
  await freshDb('provenant_bench_entries');
  const dataDir = mkdtempSync(join(tmpdir(), 'provenant-bench-'));
  const server = startChild(['src/main.ts'], { DATABASE_URL: dbUrl('provenant_bench_entries'), PORT: '39102', DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  await waitHttp('http://127.0.0.1:39102/healthz');
  const res = await postLoad('http://127.0.0.1:39102', '/api/v1/log/entries', bodies, DURATION, 64);
  const rss = rssMb(server.pid!);
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  if (res.count > n) out(`  note: ${res.count} requests for ${n} bodies: the surplus were duplicates (409)`);
  rows.push(['bare fastify POST, same bodies (ceiling)', `${bareRes.rps.toFixed(0)} req/s`, `p99 ${bareRes.p99} ms`, '', '']);
  rows.push(['hashedrekord append over HTTP (verified, durable)', `${res.rps.toFixed(0)} entries/s, p50 ${res.p50} ms, p99 ${res.p99} ms${res.errors ? `, ${res.errors} non-2xx` : ''}`, `bare ${bareRes.rps.toFixed(0)}`, `${((res.rps / bareRes.rps) * 100).toFixed(0)} %`, '≥ 5,000/s, p99 ≤ 250 ms']);
  rows.push(['server RSS after entries load', `${rss.toFixed(0)} MB`, '', '', '']);
}

async function benchCaSection() {
  const { benchCa } = await import('./ca.ts');
  out('\n## ca: keyless certificates over HTTP (dev issuer token, P-256 client keys, P-384 dev CA, CT log on Postgres)');
  await freshDb('provenant_bench_ca');
  const dataDir = mkdtempSync(join(tmpdir(), 'provenant-bench-'));
  const server = startChild(['src/main.ts'], { DATABASE_URL: dbUrl('provenant_bench_ca'), PORT: '39104', DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  await waitHttp('http://127.0.0.1:39104/healthz');
  const r = await benchCa('http://127.0.0.1:39104', 4000, DURATION);
  server.kill('SIGTERM');
  await new Promise((x) => server.once('exit', x));
  rows.push(['keyless certificates over HTTP (CT-logged)', `${r.rps.toFixed(0)} certs/s, p99 ${r.p99} ms${r.errors ? `, ${r.errors} non-2xx` : ''}`, `CA-key signing ${r.ceiling.toFixed(0)}/s`, `${((r.rps / r.ceiling) * 100).toFixed(0)} %`, '≥ 1,000/s']);
}

async function benchTsa() {
  out('\n## tsa: bench/tsa.ts (its own table follows)');
  const p = spawn(process.execPath, ['--import', 'tsx', 'bench/tsa.ts', '--duration', String(DURATION)], { stdio: 'inherit' });
  await new Promise((r) => p.once('exit', r));
}

async function benchProofs() {
  const bare = startChild(['bench/bare-server.ts'], { PORT: '39100' });
  await waitHttp('http://127.0.0.1:39100/bare');
  const bareRes = await load('http://127.0.0.1:39100', () => '/bare');
  bare.kill();
  rows.push(['bare fastify route (ceiling)', `${bareRes.rps.toFixed(0)} req/s`, `p99 ${bareRes.p99} ms`, '', '']);
  const byKind: Record<string, number> = {};
  for (const n of sizes) {
    const name = `provenant_bench_${n}`;
    const dir = join('.bench', String(n));
    mkdirSync(dir, { recursive: true });
    const keyPath = join(dir, 'log-key.pem');
    if (!existsSync(keyPath)) writeFileSync(keyPath, generateLogKeyPem(), { mode: 0o600 });
    const signer = signerFromPem(readFileSync(keyPath, 'utf8'));
    const exists = (await admin(`SELECT 1 FROM pg_database WHERE datname = '${name}'`)).rowCount === 1;
    let seeded = false;
    if (exists) {
      const d = await openDatabase({ url: dbUrl(name), poolSize: 1 });
      const h = await d.db.selectFrom('log_head').select('size').executeTakeFirst().catch(() => undefined);
      seeded = h?.size === BigInt(n);
      await d.close();
    }
    if (!seeded) {
      rmSync(join(dir, 'data'), { recursive: true, force: true });
      out(`seeding ${n} leaves into ${name} (binary COPY; cached in that database for later runs)`);
      await freshDb(name);
      const d = await openDatabase({ url: dbUrl(name), poolSize: 2 });
      await migrate(d);
      const t0 = performance.now();
      await seedLog(d, signer, '127.0.0.1:39101', n, out);
      out(`  seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      await d.close();
    }
    // The instance's other keys (CT log, CA, TSA) live with the seeded database across runs: a
    // tree refuses to sign with a key other than the one it was created with.
    const dataDir = join(dir, 'data');
    const t0 = performance.now();
    const server = startChild(['src/main.ts'], {
      DATABASE_URL: dbUrl(name),
      PORT: '39101',
      DATA_DIR: dataDir,
      PROVENANT_LOG_KEY: keyPath,
      LOG_LEVEL: 'warn',
    });
    const startup = await waitHttp('http://127.0.0.1:39101/healthz');
    void t0;
    const base = 'http://127.0.0.1:39101';
    const cons = await load(base, (r) => `/api/v1/log/proof?firstSize=${1 + Math.floor(r * (n - 1))}&lastSize=${n}`);
    const incl = await load(base, (r) => `/api/v1/log/entries?logIndex=${Math.floor(r * n)}`);
    const rss = rssMb(server.pid!);
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    byKind[`cons${n}`] = cons.rps;
    byKind[`incl${n}`] = incl.rps;
    const fmt = (x: { rps: number; p99: number; errors: number }) => `${x.rps.toFixed(0)} req/s, p99 ${x.p99} ms${x.errors ? `, ${x.errors} errors` : ''}`;
    rows.push([`consistency proof @ ${n.toLocaleString('en')}`, fmt(cons), `bare ${bareRes.rps.toFixed(0)}`, `${((cons.rps / bareRes.rps) * 100).toFixed(0)} %`, '≥ 10,000/s, p99 ≤ 20 ms']);
    rows.push([`entry+inclusion proof by index @ ${n.toLocaleString('en')}`, fmt(incl), `bare ${bareRes.rps.toFixed(0)}`, `${((incl.rps / bareRes.rps) * 100).toFixed(0)} %`, '≥ 10,000/s, p99 ≤ 20 ms']);
    rows.push([`server RSS after load @ ${n.toLocaleString('en')}`, `${rss.toFixed(0)} MB`, '', '', '≤ 300 MB']);
    rows.push([`start-up to ready @ ${n.toLocaleString('en')}`, `${(startup / 1000).toFixed(2)} s`, '', '', '≤ 3 s (10M)']);
  }
  if (sizes.length >= 2) {
    const [a, b] = [sizes[0]!, sizes[sizes.length - 1]!];
    for (const k of ['cons', 'incl']) {
      rows.push([`${k === 'cons' ? 'consistency' : 'inclusion'} throughput ${b.toLocaleString('en')} vs ${a.toLocaleString('en')}`, `${((byKind[k + b]! / byKind[k + a]!) * 100).toFixed(0)} %`, '', '', 'within 20 %']);
    }
  }
}

out(`provenant benchmark — ${new Date().toISOString()} — node ${process.version}, ${(await import('node:os')).cpus().length} cores`);
if (sections.includes('append')) await benchAppend();
if (sections.includes('proofs')) await benchProofs();
if (sections.includes('entries')) await benchEntries();
if (sections.includes('ca')) await benchCaSection();
if (sections.includes('tsa')) await benchTsa();
out('\n| figure | measured | ceiling (same run) | ratio | target |\n|---|---|---|---|---|');
for (const r of rows) out(`| ${r.join(' | ')} |`);
