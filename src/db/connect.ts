/**
 * Opens the database: real Postgres (pg) when a URL is given, embedded PGlite otherwise. int8 is
 * parsed to bigint explicitly on each client (never a global type parser).
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { migrations } from '../../migrations/index.ts';
import { PGliteDialect } from './pglite-dialect.ts';
import type { DB } from './schema.ts';

const INT8_OID = 20;

export interface Database {
  readonly db: Kysely<DB>;
  readonly kind: 'postgres' | 'pglite';
  /** pg pool, for binary COPY in benchmarks (postgres only). */
  readonly pool: pg.Pool | undefined;
  /** Postgres schema in use, when not the default. */
  readonly schema: string | undefined;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Postgres URL; undefined → PGlite. */
  url: string | undefined;
  /** PGlite data directory; undefined → in memory. */
  dataDir?: string | undefined;
  /** Postgres schema to use (created if missing); tests give each suite its own. */
  schema?: string | undefined;
  poolSize?: number;
}

function pgTypes(): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: string) => {
      if (oid === INT8_OID) return (v: string) => BigInt(v);
      return pg.types.getTypeParser(oid, format as 'text');
    }) as pg.CustomTypesConfig['getTypeParser'],
  };
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.url !== undefined) {
    if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(opts.schema)) throw new Error(`bad schema name ${opts.schema}`);
    const pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.poolSize ?? 10,
      types: pgTypes(),
      connectionTimeoutMillis: 5000,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    // Idle client errors (server restart) must not crash the process; queries will fail and be retried.
    pool.on('error', () => {});
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    if (opts.schema) await sql.raw(`CREATE SCHEMA IF NOT EXISTS ${opts.schema}`).execute(db);
    return { db, kind: 'postgres', pool, schema: opts.schema, close: () => db.destroy() };
  }
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const pglite = new PGlite(opts.dataDir ?? 'memory://', { parsers: { [INT8_OID]: (v: string) => BigInt(v) } });
  await pglite.waitReady;
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return { db, kind: 'pglite', pool: undefined, schema: undefined, close: () => db.destroy() };
}

/** Applies pending migrations; throws with the failing migration's name. */
export async function migrate(database: Pick<Database, 'db' | 'schema'>): Promise<string[]> {
  const migrator = new Migrator({
    db: database.db,
    provider: { getMigrations: async () => migrations },
    // Kysely's introspection sees every schema; pin its bookkeeping tables to ours.
    ...(database.schema ? { migrationTableSchema: database.schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message}`, { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
