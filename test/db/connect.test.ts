/**
 * Lost Postgres connections are logged, never swallowed, and never crash the process — whether the
 * connection was idle in the pool or checked out (src/db/connect.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { openDatabase } from '../../src/db/connect.ts';
import { PG_URL } from '../helpers/db.ts';

async function terminate(pid: number): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await c.end();
  }
}

const until = async (cond: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), what);
};

describe('Postgres connection errors', { skip: PG_URL ? false : 'needs real Postgres (DATABASE_URL)' }, () => {
  it('a checked-out connection that dies is logged, does not crash, and the pool recovers', async () => {
    const logged: Array<{ obj: object; msg: string }> = [];
    const database = await openDatabase({ url: PG_URL, logger: { error: (obj, msg) => logged.push({ obj, msg }) } });
    try {
      const client = await database.pool!.connect();
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      await terminate(pid);
      await until(() => logged.length > 0, 'the error was logged');
      assert.match(logged[0]!.msg, /in use failed/);
      assert.ok((logged[0]!.obj as { err?: Error }).err instanceof Error);
      await assert.rejects(client.query('SELECT 1'));
      client.release();
      // The broken client was discarded: the pool serves queries again.
      assert.equal((await database.pool!.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one, 1);
    } finally {
      await database.close();
    }
  });

  it('an idle pooled connection that dies is logged', async () => {
    const logged: string[] = [];
    const database = await openDatabase({ url: PG_URL, logger: { error: (_obj, msg) => logged.push(msg) } });
    try {
      const client = await database.pool!.connect();
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      client.release();
      await terminate(pid);
      await until(() => logged.length > 0, 'the error was logged');
      assert.match(logged[0]!, /idle Postgres connection failed/);
      assert.equal(logged.filter((m) => /in use/.test(m)).length, 0, 'logged once, by the pool');
      assert.equal((await database.pool!.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one, 1);
    } finally {
      await database.close();
    }
  });
});
