import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Fastify from 'fastify';
import { installErrorHandler } from '../../src/api/errors.ts';
import { registerTsaRoutes } from '../../src/api/routes/tsa.ts';
import {
  createTimestampAuthority,
  type GenTimeStore,
  SIGSTORE_TSA_POLICY,
  type TimestampAuthority,
  type TimestampRequest,
} from '../../src/tsa/index.ts';
import { generateTsaChain, type TsaMaterial } from '../../src/x509/index.ts';

const run = promisify(execFile);

/** A clock tests move by hand. */
export class ManualClock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  set(d: Date): void {
    this.current = d;
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export const EXTRA_POLICY = '1.2.3.4.5';

let shared: TsaMaterial | undefined;
/** One generated chain per test process (key generation is the slow part). */
export function material(): TsaMaterial {
  shared ??= generateTsaChain({ now: new Date() });
  return shared;
}

export function makeTsa(opts: { clock?: { now(): Date }; store?: GenTimeStore; includeChain?: boolean; mat?: TsaMaterial } = {}): TimestampAuthority {
  const m = opts.mat ?? material();
  return createTimestampAuthority({
    chain: m.chain,
    privateKey: m.privateKey,
    clock: opts.clock ?? { now: () => new Date() },
    policies: { default: SIGSTORE_TSA_POLICY, accepted: [SIGSTORE_TSA_POLICY, EXTRA_POLICY] },
    accuracySeconds: 1,
    ...(opts.store ? { lastGenTimeStore: opts.store } : {}),
    ...(opts.includeChain ? { includeChainInResponse: true } : {}),
  });
}

/** Wraps a TSA, counting the tokens it actually issued. */
export function counting(tsa: TimestampAuthority): TimestampAuthority & { issued: number } {
  const wrapped = {
    ...tsa,
    issued: 0,
    async issue(req: TimestampRequest): Promise<Uint8Array> {
      const token = await tsa.issue(req);
      wrapped.issued++;
      return token;
    },
  };
  return wrapped;
}

export interface Server {
  readonly url: string;
  close(): Promise<void>;
}

/** A real fastify server on 127.0.0.1 with the project's error handler and the TSA routes. */
export async function startServer(tsa: TimestampAuthority): Promise<Server> {
  const app = Fastify();
  installErrorHandler(app);
  registerTsaRoutes(app, tsa);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
}

export async function postTimestamp(url: string, contentType: string | undefined, body: Uint8Array | string) {
  const res = await fetch(`${url}/api/v1/timestamp`, {
    method: 'POST',
    headers: contentType === undefined ? {} : { 'content-type': contentType },
    body,
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, contentType: res.headers.get('content-type'), bytes };
}

export async function openssl(args: readonly string[], cwd: string): Promise<string> {
  const { stdout, stderr } = await run('openssl', [...args], { cwd, encoding: 'utf8' });
  return stdout + stderr;
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'provenant-tsa-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
