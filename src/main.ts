/** Entry point: `npm start`. Reads config once, listens, then loads the log (/healthz 503 until ready). */
import pino from 'pino';
import { buildServer, type Services } from './api/server.ts';
import { attachServices, startInstance } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';

let config;
try {
  config = loadConfig();
} catch (e) {
  if (e instanceof ConfigError) {
    // One line per problem: every refusal is reported at once.
    for (const line of e.message.split('\n')) console.error(`provenant: configuration error: ${line}`);
    process.exit(2);
  }
  throw e;
}

const logger = pino({ level: config.logLevel, name: 'provenant' });
const services: Services = { notReady: 'starting: migrations and log not loaded yet' };
const app = buildServer(services, {
  logger,
  maxEntryBodyBytes: config.maxEntryBodyBytes,
  algorithmPolicy: config.algorithmPolicy,
  verifyWorkers: config.verifyWorkers,
  verifyDeadlineMs: config.verifyDeadlineMs,
  verifyMaxQueued: config.verifyMaxQueued,
  devOidc: config.devOidc,
  connectionLimits: config.connectionLimits,
});

await app.listen({ port: config.port, host: config.host });
logger.info(
  `provenant listening on http://${config.host}:${config.port} (public URL ${config.publicUrl}); database: ${
    config.databaseUrl ? 'Postgres (DATABASE_URL)' : `embedded PGlite in ${config.dataDir}/pglite`
  }`,
);
if (config.profile === 'dev') {
  logger.warn(
    `\n  ********************************************************************\n  *  DEV PROFILE: ${config.databaseUrl ? '' : 'embedded database, '}${config.logKeyPath ? '' : 'generated keys, '}${config.devOidc ? 'dev OIDC issuer, ' : ''}not for production\n  ********************************************************************`,
  );
  if (config.productionSignals.length > 0) {
    logger.warn(`dev OIDC issuer off: PROVENANT_PROFILE=dev with production-like settings (${config.productionSignals.join('; ')})`);
  }
}

let instance;
try {
  instance = await startInstance(config, logger);
} catch (e) {
  logger.fatal({ err: e }, `cannot start: ${(e as Error).message}`);
  await app.close();
  process.exit(1);
}
attachServices(services, instance);
logger.info({ treeSize: Number(instance.log.size) }, 'ready');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  await app.close();
  await instance!.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
