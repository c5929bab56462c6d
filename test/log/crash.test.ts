/**
 * Crash safety (real Postgres): a child appends under load and is SIGKILLed at random moments.
 * After each restart every acknowledged entry is at the index it was given, the root recomputed
 * from all stored leaves equals the newest stored checkpoint, and appends continue.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { generateLogKeyPem } from '../../src/crypto/signer.ts';
import { logStoreFor } from '../../src/db/log-store.ts';
import { parseCheckpoint } from '../../src/encoding/checkpoint.ts';
import { PG_URL, testDatabase } from '../helpers/db.ts';
import { refRoot } from '../helpers/ref.ts';

const child = fileURLToPath(new URL('./crash-child.ts', import.meta.url));

function runChild(env: Record<string, string>, killAfterMs: number): Promise<Map<bigint, string>> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    const acked = new Map<bigint, string>();
    let buf = '';
    let timer: NodeJS.Timeout | undefined;
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('ready')) {
          timer = setTimeout(() => p.kill('SIGKILL'), killAfterMs);
          continue;
        }
        const [idx, body] = line.split(' ');
        acked.set(BigInt(idx!), body!);
      }
    });
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(acked);
      else reject(new Error(`child exited with ${code ?? signal} before it was killed`));
    });
  });
}

describe('crash safety under SIGKILL', { skip: PG_URL ? false : 'needs real Postgres (DATABASE_URL)' }, () => {
  it('keeps every acknowledged entry across 5 random kills', { timeout: 180_000 }, async () => {
    const db = await testDatabase();
    const key = generateLogKeyPem();
    const store = logStoreFor(db.database);
    const all = new Map<bigint, string>();
    try {
      for (let round = 0; round < 5; round++) {
        const acked = await runChild({ DATABASE_URL: PG_URL!, CRASH_SCHEMA: db.schema!, CRASH_ROUND: String(round), CRASH_KEY: key }, 400 + Math.floor(Math.random() * 1200));
        for (const [i, b] of acked) all.set(i, b);
        const tree = (await store.getTree('rekor'))!;
        const head = await store.head(tree.treeId);
        const entries = await store.entriesByIndex(tree.treeId, Array.from({ length: Number(head.size) }, (_, i) => BigInt(i)));
        entries.sort((a, b) => Number(a.leafIndex - b.leafIndex));
        assert.equal(entries.length, Number(head.size), 'gap in stored entries');
        for (const [i, b] of all) assert.equal(Buffer.from(entries[Number(i)]!.body).toString(), b, `acknowledged entry ${i} lost or moved`);
        const root = refRoot(entries.map((e) => e.body));
        const cp = (await store.latestCheckpoint(tree.treeId))!;
        assert.equal(cp.size, head.size);
        assert.deepEqual(Buffer.from(cp.root), root);
        assert.deepEqual(Buffer.from(parseCheckpoint(cp.note).rootHash), root);
        assert.ok(acked.size > 0, `round ${round}: nothing was acknowledged before the kill`);
      }
    } finally {
      await db.cleanup();
    }
  });
});
