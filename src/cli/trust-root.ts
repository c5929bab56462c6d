/**
 * `provenant trust-root [--url <base>] [--out <dir>]`: prints this instance's trusted_root.json and
 * signing_config.json (for air-gapped hand-off). With --url it asks a running server; otherwise it
 * opens the configured database and keys itself (stop a PGlite-backed server first: one process
 * at a time may open an embedded database).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { startInstance } from '../app.ts';
import { ConfigError, loadConfig } from '../config.ts';

async function fromServer(base: string) {
  const get = async (p: string) => {
    const r = await fetch(`${base.replace(/\/+$/, '')}${p}`);
    if (!r.ok) throw new Error(`${p}: HTTP ${r.status}`);
    return r.json();
  };
  return { trustedRoot: await get('/trust/trusted_root.json'), signingConfig: await get('/trust/signing_config.json') };
}

async function fromInstance() {
  const config = loadConfig();
  const instance = await startInstance(config, pino({ level: 'warn' }, pino.destination(2)));
  try {
    return { trustedRoot: await instance.trust.trustedRoot(), signingConfig: await instance.trust.signingConfig() };
  } finally {
    await instance.close();
  }
}

export async function trustRootCli(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { url: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log('usage: provenant trust-root [--url <running server>] [--out <dir>]');
    return;
  }
  const docs = values.url ? await fromServer(values.url) : await fromInstance();
  if (values.out) {
    mkdirSync(values.out, { recursive: true });
    writeFileSync(join(values.out, 'trusted_root.json'), `${JSON.stringify(docs.trustedRoot, null, 2)}\n`);
    writeFileSync(join(values.out, 'signing_config.json'), `${JSON.stringify(docs.signingConfig, null, 2)}\n`);
    console.error(`wrote ${join(values.out, 'trusted_root.json')} and ${join(values.out, 'signing_config.json')}`);
  } else {
    process.stdout.write(`${JSON.stringify(docs, null, 2)}\n`);
  }
}

export function cliError(e: unknown): never {
  console.error(`provenant: ${e instanceof ConfigError ? 'configuration error: ' : ''}${(e as Error).message}`);
  process.exit(1);
}
