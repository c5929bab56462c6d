/** Test databases: real Postgres (own schema per suite) when DATABASE_URL is set, else PGlite in memory. */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { type Database, migrate, openDatabase } from '../../src/db/connect.ts';

export const PG_URL = process.env.DATABASE_URL ? process.env.DATABASE_URL : undefined;

export interface TestDb {
  database: Database;
  schema: string | undefined;
  cleanup(): Promise<void>;
}

export function newSchemaName(prefix = 't'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export async function testDatabase(opts: { schema?: string; migrate?: boolean } = {}): Promise<TestDb> {
  const schema = PG_URL ? (opts.schema ?? newSchemaName()) : undefined;
  const database = await openDatabase({ url: PG_URL, schema });
  if (opts.migrate !== false) await migrate(database);
  return {
    database,
    schema,
    async cleanup() {
      if (schema) await sql.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).execute(database.db).catch(() => undefined);
      await database.close();
    },
  };
}

export async function dropSchema(schema: string): Promise<void> {
  if (!PG_URL) return;
  const d = await openDatabase({ url: PG_URL });
  await sql.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).execute(d.db);
  await d.close();
}
