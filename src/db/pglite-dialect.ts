/**
 * A Kysely dialect for embedded PGlite. PGlite runs one query at a time in-process, so the
 * "pool" is a single connection guarded by a mutex; transactions hold it until commit/rollback.
 */
import type { PGlite } from '@electric-sql/pglite';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

class Mutex {
  #tail: Promise<void> = Promise.resolve();
  lock(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const ready = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => next);
    return ready;
  }
}

class PGliteConnection implements DatabaseConnection {
  constructor(private readonly pg: PGlite) {}
  async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    // Parameterless statements go through the simple-query protocol so migrations may hold several.
    const res =
      q.parameters.length === 0
        ? ((await this.pg.exec(q.sql)).at(-1) ?? { rows: [] as R[], affectedRows: 0 })
        : await this.pg.query<R>(q.sql, q.parameters as unknown[]);
    const out: QueryResult<R> = { rows: res.rows as R[] };
    if (res.affectedRows !== undefined) (out as { numAffectedRows?: bigint }).numAffectedRows = BigInt(res.affectedRows);
    return out;
  }
  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported on PGlite');
  }
}

class PGliteDriver implements Driver {
  readonly #mutex = new Mutex();
  readonly #conn: PGliteConnection;
  #release: (() => void) | undefined;
  constructor(private readonly pg: PGlite) {
    this.#conn = new PGliteConnection(pg);
  }
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    this.#release = await this.#mutex.lock();
    return this.#conn;
  }
  async beginTransaction(conn: DatabaseConnection, _s: TransactionSettings): Promise<void> {
    await this.pg.query('BEGIN');
  }
  async commitTransaction(): Promise<void> {
    await this.pg.query('COMMIT');
  }
  async rollbackTransaction(): Promise<void> {
    await this.pg.query('ROLLBACK');
  }
  async releaseConnection(): Promise<void> {
    const r = this.#release;
    this.#release = undefined;
    r?.();
  }
  async destroy(): Promise<void> {
    await this.pg.close();
  }
}

export class PGliteDialect implements Dialect {
  constructor(private readonly pg: PGlite) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pg);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
}
