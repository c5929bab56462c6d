/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database) and exits. */
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../config.ts';
import { migrate, openDatabase } from '../db/connect.ts';

try {
  // Migrations need only the database's location: the production profile's key-file requirements
  // (and the dev issuer's rules) are about serving, so they are not applied to this command.
  const { PROVENANT_DEV_OIDC: _devOidc, ...env } = process.env;
  const config = loadConfig({ ...env, PROVENANT_PROFILE: 'dev' });
  const database = await openDatabase({ url: config.databaseUrl, dataDir: join(config.dataDir, 'pglite') });
  const applied = await migrate(database);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date');
  await database.close();
} catch (e) {
  console.error(`provenant migrate: ${e instanceof ConfigError ? 'configuration error: ' : ''}${(e as Error).message}`);
  process.exit(1);
}
