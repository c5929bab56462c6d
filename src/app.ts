/**
 * Composition: config → database → keys → log, CT log, CA, TSA, dev issuer, trust material. Used
 * by main.ts and by tests that start a whole instance in-process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Services } from './api/server.ts';
import { type CertificateAuthority, createCertificateAuthority, devOidcIssuer, EMPTY_CA_CONFIG, parseFulcioConfig, withOidcIssuers } from './ca/index.ts';
import type { Config } from './config.ts';
import { logNameFromPublicUrl } from './config.ts';
import { loadOrCreateSigner } from './crypto/keys.ts';
import { type Database, migrate, openDatabase } from './db/connect.ts';
import { logStoreFor } from './db/log-store.ts';
import { packChain, registerCurrent } from './db/trust-material.ts';
import { genTimeStore } from './db/tsa-state.ts';
import { type LogOptions, TransparencyLog } from './log/log.ts';
import { RESEED_SIGNED_STATE_ENV, SignedStateGuard } from './log/signed-state.ts';
import { type Clock, systemClock } from './log/types.ts';
import { createDevOidcIssuer, type DevOidcIssuer, loadOrCreateDevOidcKey } from './trust/dev-oidc.ts';
import { TrustService } from './trust/service.ts';
import { createTimestampAuthority, SIGSTORE_TSA_POLICY, type TimestampAuthority } from './tsa/index.ts';
import { loadOrCreateTsaMaterial, loadTsaMaterialFromFiles } from './x509/index.ts';

export interface Instance {
  database: Database;
  log: TransparencyLog;
  ctLog: TransparencyLog;
  ca: CertificateAuthority;
  tsa: TimestampAuthority;
  devOidc: DevOidcIssuer | undefined;
  trust: TrustService;
  close(): Promise<void>;
}

/** Attaches a started instance's services to the server (routes answered 503 until then). */
export function attachServices(services: Services, instance: Instance): void {
  services.log = instance.log;
  services.tsa = instance.tsa;
  services.ca = instance.ca;
  services.devOidc = instance.devOidc;
  services.trust = instance.trust;
  services.notReady = undefined;
}

export interface StartOptions {
  clock?: Clock;
  /** Postgres schema (tests give each suite its own). */
  schema?: string;
  /** Keep PGlite in memory instead of DATA_DIR (tests). */
  inMemory?: boolean;
  /** OIDC discovery/JWKS fetch (tests inject a fault or a local issuer). */
  fetch?: typeof fetch;
  /** The override PROVENANT_RESEED_SIGNED_STATE=1: re-seed the signed-state records from storage. */
  reseedSignedState?: boolean;
}

export async function startInstance(config: Config, logger: Logger, o: StartOptions = {}): Promise<Instance> {
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: o.inMemory ? undefined : join(config.dataDir, 'pglite'),
    schema: o.schema,
    logger,
  }).catch((e: Error) => {
    throw new Error(`cannot open the database (${config.databaseUrl ? 'DATABASE_URL' : 'embedded PGlite'}): ${e.message}`, { cause: e });
  });
  const opened: TransparencyLog[] = [];
  try {
    const applied = await migrate(database).catch((e: Error) => {
      throw new Error(`cannot migrate the database: ${e.message}${config.databaseUrl ? ' (is DATABASE_URL reachable?)' : ''}`, { cause: e });
    });
    if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
    const clock = o.clock ?? systemClock;
    const name = logNameFromPublicUrl(config.publicUrl);
    const options: LogOptions = {
      maxBatchSize: config.batchMaxSize,
      maxBatchAgeMs: config.batchMaxAgeMs,
      maxPending: Math.max(100_000, config.batchMaxSize * 8),
      tileCacheSize: config.tileCacheSize,
    };
    const guard = (what: string) => {
      if (o.inMemory) return undefined;
      const path = join(config.dataDir, `signed-state-${what}${o.schema ? `-${o.schema}` : ''}.json`);
      if (o.reseedSignedState ?? config.reseedSignedState) logger.warn({ path }, `${RESEED_SIGNED_STATE_ENV} is set: re-seeding the signed-state record from the newest checkpoint in storage; unset it after this start`);
      return new SignedStateGuard(path, { reseed: (o.reseedSignedState ?? config.reseedSignedState) === true });
    };
    // Refusing to sign is an outage that needs an operator: logged loudly, once per condition.
    const refusal = (what: string) => ({
      onRefusal: (err: Error) => logger.error({ err }, `REFUSING TO SIGN the ${what}: ${err.message}`),
      onResume: () => logger.warn(`signing the ${what} again`),
    });
    const keyLine = (k: ReturnType<typeof loadOrCreateSigner>, what: string) =>
      k.generated ? logger.warn({ path: k.path }, `generated a new dev ${what} (ECDSA P-256) at ${k.path}`) : logger.info({ path: k.path }, `loaded ${what}`);

    // The Rekor log.
    const key = loadOrCreateSigner(config.logKeyPath, config.dataDir, 'log-key.pem', 'log key');
    keyLine(key, 'log signing key');
    const log = await TransparencyLog.open({
      store: logStoreFor(database),
      purpose: 'rekor',
      name,
      signer: key.signer,
      clock,
      signSets: true,
      options,
      guard: guard('rekor'),
      ...refusal('log'),
      onError: (err) => logger.error({ err }, 'sequencer batch failed'),
      onBatch: (entries, ms) => logger.debug({ entries, ms: Math.round(ms * 10) / 10 }, 'batch committed'),
    });
    opened.push(log);
    logger.info({ treeID: log.treeId.toString(), treeSize: Number(log.size), origin: log.origin }, 'log loaded');

    // The CA's certificate-transparency log: another tree of the same engine.
    const ctKey = loadOrCreateSigner(config.ctKeyPath, config.dataDir, 'ct-key.pem', 'CT log key');
    keyLine(ctKey, 'CT log key');
    if (ctKey.signer.algorithm === 'ed25519') logger.warn('the CT log key is Ed25519: sigstore-js 4 verifies SCTs with SHA-256 only; use ECDSA P-256');
    const ctLog = await TransparencyLog.open({
      store: logStoreFor(database),
      purpose: 'ct',
      name: `${name}/ct`,
      signer: ctKey.signer,
      clock,
      signSets: false,
      options,
      guard: guard('ct'),
      ...refusal('CT log'),
      onError: (err) => logger.error({ err }, 'CT sequencer batch failed'),
    });
    opened.push(ctLog);

    // The CA, trusting the Fulcio-format issuer config and, in dev, the dev issuer.
    let caConfig = config.caConfigPath ? parseFulcioConfig(readFileSync(config.caConfigPath, 'utf8'), config.caConfigPath) : EMPTY_CA_CONFIG;
    for (const w of caConfig.warnings ?? []) logger.warn(`CA config: ${w}`);
    if (config.devOidc) caConfig = withOidcIssuers(caConfig, devOidcIssuer(config.publicUrl));
    const infoLog = { info: (m: string) => logger.info(m), warn: (m: string) => logger.warn(m) };
    const ca = await createCertificateAuthority({
      dataDir: config.dataDir,
      chainPath: config.caChainPath,
      keyPath: config.caKeyPath,
      caConfig,
      ctLog,
      clock,
      logger: infoLog,
      ...(o.fetch ? { fetch: o.fetch as never } : {}),
    });

    // The TSA.
    const material = config.tsaChainPath
      ? await loadTsaMaterialFromFiles({ chainPath: config.tsaChainPath, keyPath: config.tsaKeyPath!, now: clock.now(), log: infoLog })
      : await loadOrCreateTsaMaterial({ dir: config.dataDir, clock, log: infoLog });
    const tsa = createTimestampAuthority({
      ...material,
      clock,
      policies: { default: SIGSTORE_TSA_POLICY, accepted: [] },
      accuracySeconds: 1,
      lastGenTimeStore: genTimeStore(database.db),
    });

    const devOidc = config.devOidc ? await createDevOidcIssuer(config.publicUrl, loadOrCreateDevOidcKey(config.dataDir), () => clock.now()) : undefined;
    if (devOidc) logger.warn(`dev OIDC issuer enabled at ${devOidc.issuer} — it mints tokens for any identity; never expose it`);

    // Trust material with its history: registered before anything is signed with it. A log key
    // registered after its tree was created dates from the tree's creation.
    const now = clock.now();
    await registerCurrent(database.db, 'tlog', log.signer.publicKeyDer, now, log.tree.createdAt);
    await registerCurrent(database.db, 'ctlog', ctLog.signer.publicKeyDer, now, ctLog.tree.createdAt);
    await registerCurrent(database.db, 'ca', packChain(ca.chain.map((c) => c.der)), now);
    await registerCurrent(database.db, 'tsa', packChain(tsa.chain.map((c) => c.der)), now);
    const trust = new TrustService({ db: database.db, publicUrl: config.publicUrl, hasCa: true, devOidc: config.devOidc });

    return {
      database,
      log,
      ctLog,
      ca,
      tsa,
      devOidc,
      trust,
      async close() {
        for (const l of opened) await l.close();
        await database.close();
      },
    };
  } catch (e) {
    // The start-up error is the one to report; failures while closing are logged beside it.
    const closing = (err: unknown) => logger.error({ err }, 'closing after a failed start');
    for (const l of opened) await l.close().catch(closing);
    await database.close().catch(closing);
    throw e;
  }
}
