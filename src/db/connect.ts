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

/** Where connection errors go (pino's shape; main.ts passes its logger). */
export interface DbLogger {
  error(obj: object, msg: string): void;
}

/** Without an injected logger, errors still go somewhere visible. */
const stderrLogger: DbLogger = { error: (obj, msg) => console.error(`provenant: ${msg}`, obj) };

export interface OpenOptions {
  /** Postgres URL; undefined → PGlite. */
  url: string | undefined;
  /** PGlite data directory; undefined → in memory. */
  dataDir?: string | undefined;
  /** Postgres schema to use (created if missing); tests give each suite its own. */
  schema?: string | undefined;
  poolSize?: number;
  logger?: DbLogger;
}

function pgTypes(): pg.CustomTypesConfig {
  return {
    getTypeParser: ((oid: number, format?: string) => {
      if (oid === INT8_OID) return (v: string) => BigInt(v);
      return pg.types.getTypeParser(oid, format as 'text');
    }) as pg.CustomTypesConfig['getTypeParser'],
  };
}

/**
 * A lost connection (server restart, failover, network) emits 'error' on its pg client. With no
 * listener that is an uncaught exception: the process would crash. pg-pool listens only while a
 * client is idle (and re-emits on the pool); a client checked out — by Kysely for a query, or by
 * the writer for its transaction — has no listener. So every client gets one, and the error is
 * logged once: by the pool for an idle client, by the client's own listener while checked out.
 * The query in flight fails with the same error (its caller answers 503), and pg-pool discards
 * the broken client when it is released. No reconnection logic beyond that.
 */
function watchConnections(pool: pg.Pool, logger: DbLogger): void {
  const inUse = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => inUse.add(client));
  pool.on('release', (_err, client) => inUse.delete(client));
  pool.on('connect', (client) => {
    client.on('error', (err) => {
      if (inUse.has(client as pg.PoolClient)) logger.error({ err }, 'Postgres connection in use failed; its query fails and the connection is discarded');
    });
  });
  pool.on('error', (err) => logger.error({ err }, 'idle Postgres connection failed; it was removed from the pool'));
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
    watchConnections(pool, opts.logger ?? stderrLogger);
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
