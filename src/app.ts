/**
 * Composition: config → database → keys → log → services. Used by main.ts and by tests that start
 * a whole instance in-process.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import { logNameFromPublicUrl } from './config.ts';
import { loadOrCreateSigner } from './crypto/keys.ts';
import { type Database, migrate, openDatabase } from './db/connect.ts';
import { logStoreFor } from './db/log-store.ts';
import { genTimeStore } from './db/tsa-state.ts';
import { createTimestampAuthority, SIGSTORE_TSA_POLICY, type TimestampAuthority } from './tsa/index.ts';
import { loadOrCreateTsaMaterial, loadTsaMaterialFromFiles } from './x509/index.ts';
import { TransparencyLog } from './log/log.ts';
import { SignedStateGuard } from './log/signed-state.ts';
import { type Clock, systemClock } from './log/types.ts';

export interface Instance {
  database: Database;
  log: TransparencyLog;
  tsa: TimestampAuthority;
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  /** Postgres schema (tests give each suite its own). */
  schema?: string;
  /** Keep PGlite in memory instead of DATA_DIR (tests). */
  inMemory?: boolean;
}

export async function startInstance(config: Config, logger: Logger, o: StartOptions = {}): Promise<Instance> {
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: o.inMemory ? undefined : join(config.dataDir, 'pglite'),
    schema: o.schema,
  }).catch((e: Error) => {
    throw new Error(`cannot open the database (${config.databaseUrl ? 'DATABASE_URL' : 'embedded PGlite'}): ${e.message}`, { cause: e });
  });
  try {
    const applied = await migrate(database).catch((e: Error) => {
      throw new Error(`cannot migrate the database: ${e.message}${config.databaseUrl ? ' (is DATABASE_URL reachable?)' : ''}`, { cause: e });
    });
    if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');

    const key = loadOrCreateSigner(config.logKeyPath, config.dataDir, 'log-key.pem', 'log key');
    if (key.generated) logger.warn({ path: key.path }, `generated a new dev log signing key (ECDSA P-256) at ${key.path}`);
    else logger.info({ path: key.path, logID: key.signer.logId }, 'loaded log signing key');

    const log = await TransparencyLog.open({
      store: logStoreFor(database),
      purpose: 'rekor',
      name: logNameFromPublicUrl(config.publicUrl),
      signer: key.signer,
      clock: o.clock ?? systemClock,
      signSets: true,
      options: {
        maxBatchSize: config.batchMaxSize,
        maxBatchAgeMs: config.batchMaxAgeMs,
        maxPending: Math.max(100_000, config.batchMaxSize * 8),
        tileCacheSize: config.tileCacheSize,
      },
      guard: o.inMemory ? undefined : new SignedStateGuard(join(config.dataDir, `signed-state-rekor${o.schema ? `-${o.schema}` : ''}.json`)),
      onError: (err) => logger.error({ err }, 'sequencer batch failed'),
      onBatch: (entries, ms) => logger.debug({ entries, ms: Math.round(ms * 10) / 10 }, 'batch committed'),
    });
    logger.info({ treeID: log.treeId.toString(), treeSize: Number(log.size), origin: log.origin }, 'log loaded');

    const clock = o.clock ?? systemClock;
    const tsaLog = { info: (m: string) => logger.info(m), warn: (m: string) => logger.warn(m) };
    const material = config.tsaChainPath
      ? await loadTsaMaterialFromFiles({ chainPath: config.tsaChainPath, keyPath: config.tsaKeyPath!, now: clock.now(), log: tsaLog })
      : await loadOrCreateTsaMaterial({ dir: config.dataDir, clock, log: tsaLog });
    const tsa = createTimestampAuthority({
      ...material,
      clock,
      policies: { default: SIGSTORE_TSA_POLICY, accepted: [] },
      accuracySeconds: 1,
      lastGenTimeStore: genTimeStore(database.db),
    });
    return {
      database,
      log,
      tsa,
      async close() {
        await log.close();
        await database.close();
      },
    };
  } catch (e) {
    await database.close().catch(() => undefined);
    throw e;
  }
}
