/** A whole instance in-process, listening on loopback: config → database → log/TSA → HTTP. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildServer, type ServerOptions, type Services } from '../../src/api/server.ts';
import { attachServices, type Instance, startInstance } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { dropSchema, newSchemaName, PG_URL } from './db.ts';

export interface LiveInstance {
  url: string;
  config: Config;
  instance: Instance;
  app: FastifyInstance;
  services: Services;
  stop(): Promise<void>;
}

/**
 * `server`: options for buildServer (default: its defaults, e.g. verification on the event loop).
 * On the Postgres pass: that database with PROVENANT_PROFILE=dev (generated keys, dev issuer off,
 * as for any DATABASE_URL). `embedded: true` keeps PGlite on both passes (the quickstart setup,
 * the only one with the dev issuer).
 */
export async function startLive(env: Record<string, string> = {}, server: ServerOptions = {}, o: { embedded?: boolean } = {}): Promise<LiveInstance> {
  const dataDir = mkdtempSync(join(tmpdir(), 'provenant-test-'));
  const pgUrl = o.embedded ? undefined : PG_URL;
  const schema = pgUrl ? newSchemaName('e2e') : undefined;
  const services: Services = { notReady: 'starting' };
  const app = buildServer(services, server);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const config = loadConfig({ DATA_DIR: dataDir, PORT: String(port), ...(pgUrl ? { DATABASE_URL: pgUrl, PROVENANT_PROFILE: 'dev' } : {}), LOG_LEVEL: 'silent', ...env });
  const instance = await startInstance(config, pino({ level: 'silent' }), { schema, inMemory: !pgUrl });
  attachServices(services, instance);
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    instance,
    app,
    services,
    async stop() {
      await app.close();
      await instance.close();
      if (schema) await dropSchema(schema);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
