/**
 * Configuration: the only reader of process.env and of the PROVENANT_CONFIG file. Read once,
 * validated, defaults filled, frozen. A bad value throws ConfigError; main.ts prints it and exits.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type ConnectionLimits, DEFAULT_CONNECTION_LIMITS } from './api/connection-limits.ts';
import { type AlgorithmPolicy, algorithmPolicy, REKOR_DEFAULT_ALGORITHM_POLICY } from './crypto/verify.ts';
import { isLoopbackHost } from './loopback.ts';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type Profile = 'dev' | 'production';

export interface Config {
  /**
   * PROVENANT_PROFILE, or by default: 'production' as soon as anything looks like production
   * (productionSignals non-empty), 'dev' only for the pure quickstart.
   */
  readonly profile: Profile;
  /**
   * Why this setup is production-like, one phrase per setting ("DATABASE_URL is set", "HOST
   * 0.0.0.0 is not a loopback address", …); empty only for the quickstart (embedded database,
   * generated keys, loopback HOST and public URL). Non-empty: the dev issuer is off.
   */
  readonly productionSignals: readonly string[];
  readonly port: number;
  readonly host: string;
  /** Unset → embedded PGlite in dataDir. Never a silent fallback from one to the other. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** Externally visible base URL, without a trailing slash. */
  readonly publicUrl: string;
  /** Path to the log's PEM private key; unset → generated into dataDir (dev). */
  readonly logKeyPath: string | undefined;
  readonly logLevel: LogLevel;
  /** Sequencer batching. */
  readonly batchMaxSize: number;
  readonly batchMaxAgeMs: number;
  /** Largest accepted request body for POST /api/v1/log/entries, bytes. */
  readonly maxEntryBodyBytes: number;
  /** Full tiles kept in memory for proofs. */
  readonly tileCacheSize: number;
  /** TSA chain (PEM: leaf, intermediates, root) and its leaf key; unset → generated into dataDir (dev). */
  readonly tsaChainPath: string | undefined;
  readonly tsaKeyPath: string | undefined;
  /** Key/hash pairs accepted for hashedrekord entries (default: Rekor's list). */
  readonly algorithmPolicy: AlgorithmPolicy;
  /** Worker threads verifying proposed entries (at least 1: attacker-supplied entries are never
   *  decoded or verified on the event loop). */
  readonly verifyWorkers: number;
  /** Per-entry verification deadline, ms: a worker past it is terminated and replaced (503). */
  readonly verifyDeadlineMs: number;
  /** Entries that may wait for a verifier thread; beyond → 503 with Retry-After. */
  readonly verifyMaxQueued: number;
  /** PROVENANT_RESEED_SIGNED_STATE: for one start, re-seed the signed-state records from storage. */
  readonly reseedSignedState: boolean;
  /** Fulcio-format issuer configuration (JSON OIDCIssuers / YAML oidc-issuers). */
  readonly caConfigPath: string | undefined;
  /** CA chain (PEM: intermediate, root) and the intermediate's key; unset → generated (dev). */
  readonly caChainPath: string | undefined;
  readonly caKeyPath: string | undefined;
  /** The CT log's key (P-256 recommended); unset → generated (dev). */
  readonly ctKeyPath: string | undefined;
  /** The development OIDC issuer at <publicUrl>/dev/oidc: only in the dev profile with no production signal. */
  readonly devOidc: boolean;
  /** Request, header, keep-alive and idle timeouts and the connection cap. */
  readonly connectionLimits: ConnectionLimits;
}

const KEYS = {
  PORT: 'port',
  HOST: 'host',
  DATABASE_URL: 'databaseUrl',
  DATA_DIR: 'dataDir',
  PROVENANT_PUBLIC_URL: 'publicUrl',
  PROVENANT_LOG_KEY: 'logKeyPath',
  LOG_LEVEL: 'logLevel',
  PROVENANT_PROFILE: 'profile',
  PROVENANT_BATCH_MAX_SIZE: 'batchMaxSize',
  PROVENANT_BATCH_MAX_AGE_MS: 'batchMaxAgeMs',
  PROVENANT_MAX_ENTRY_BYTES: 'maxEntryBodyBytes',
  PROVENANT_TILE_CACHE_SIZE: 'tileCacheSize',
  PROVENANT_TSA_CHAIN: 'tsaChainPath',
  PROVENANT_TSA_KEY: 'tsaKeyPath',
  PROVENANT_ALLOWED_ALGORITHMS: 'algorithmPolicy',
  PROVENANT_VERIFY_WORKERS: 'verifyWorkers',
  PROVENANT_VERIFY_DEADLINE_MS: 'verifyDeadlineMs',
  PROVENANT_VERIFY_QUEUE: 'verifyMaxQueued',
  PROVENANT_RESEED_SIGNED_STATE: 'reseedSignedState',
  PROVENANT_CA_CONFIG: 'caConfigPath',
  PROVENANT_CA_CHAIN: 'caChainPath',
  PROVENANT_CA_KEY: 'caKeyPath',
  PROVENANT_CT_KEY: 'ctKeyPath',
  PROVENANT_DEV_OIDC: 'devOidc',
  PROVENANT_REQUEST_TIMEOUT_MS: 'connectionLimits.requestTimeoutMs',
  PROVENANT_HEADERS_TIMEOUT_MS: 'connectionLimits.headersTimeoutMs',
  PROVENANT_KEEPALIVE_TIMEOUT_MS: 'connectionLimits.keepAliveTimeoutMs',
  PROVENANT_CONNECTION_TIMEOUT_MS: 'connectionLimits.connectionTimeoutMs',
  PROVENANT_MAX_CONNECTIONS: 'connectionLimits.maxConnections',
} as const;

/** Operator key files: any one of them set makes the setup production-like. */
const KEY_FILE_SETTINGS = ['PROVENANT_LOG_KEY', 'PROVENANT_CT_KEY', 'PROVENANT_CA_CHAIN', 'PROVENANT_CA_KEY', 'PROVENANT_TSA_CHAIN', 'PROVENANT_TSA_KEY'] as const;
/** What the production profile requires, in the order the message lists what is missing. */
const PRODUCTION_REQUIRED = ['DATABASE_URL', ...KEY_FILE_SETTINGS] as const;

type Raw = Record<string, string | undefined>;

function readConfigFile(path: string): Raw {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`PROVENANT_CONFIG: cannot read ${path}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError(`PROVENANT_CONFIG: ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`PROVENANT_CONFIG: ${path} must hold an object of settings`);
  }
  const out: Raw = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (!(k in KEYS)) throw new ConfigError(`PROVENANT_CONFIG: unknown setting ${k} (known: ${Object.keys(KEYS).join(', ')})`);
    if (v === null || v === undefined) continue;
    if (typeof v === 'object') throw new ConfigError(`PROVENANT_CONFIG: ${k} must be a string or number`);
    out[k] = String(v);
  }
  return out;
}

function int(raw: Raw, key: string, def: number, min: number, max: number): number {
  const v = raw[key];
  if (v === undefined || v === '') return def;
  if (!/^\d+$/.test(v.trim())) throw new ConfigError(`${key} must be an integer, got ${JSON.stringify(v)}`);
  const n = Number(v.trim());
  if (n < min || n > max) throw new ConfigError(`${key} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function parsePolicy(v: string | undefined): AlgorithmPolicy {
  if (v === undefined || v.trim() === '') return REKOR_DEFAULT_ALGORITHM_POLICY;
  try {
    return algorithmPolicy(v.split(',').map((s) => s.trim()).filter(Boolean));
  } catch (e) {
    throw new ConfigError(`PROVENANT_ALLOWED_ALGORITHMS: ${(e as Error).message} (use names such as PKIX_ECDSA_P256_SHA_256, PKIX_RSA_PKCS1V15_2048_SHA256, PKIX_ED25519_PH)`);
  }
}

/**
 * Why a setup is production-like, one phrase per setting; empty for the pure quickstart. The dev
 * profile means embedded database, generated keys and loopback: any DATABASE_URL, any operator
 * key file, a HOST that is not a loopback address, or a PROVENANT_PUBLIC_URL that is https (the
 * server speaks plain http, so https means a TLS proxy in front, reachable from elsewhere) or names
 * a host that is not loopback, each counts.
 */
function productionSignalsOf(raw: Raw, host: string, publicUrl: URL): string[] {
  const signals: string[] = [];
  if (raw.DATABASE_URL !== undefined) signals.push('DATABASE_URL is set');
  for (const k of KEY_FILE_SETTINGS) if (raw[k] !== undefined) signals.push(`${k} is set`);
  if (!isLoopbackHost(host)) signals.push(`HOST ${host} is not a loopback address`);
  if (raw.PROVENANT_PUBLIC_URL !== undefined) {
    if (publicUrl.protocol === 'https:') signals.push(`PROVENANT_PUBLIC_URL ${publicUrl.origin} is https (a TLS proxy in front)`);
    else if (!isLoopbackHost(publicUrl.hostname)) signals.push(`PROVENANT_PUBLIC_URL ${publicUrl.origin} is not a loopback address`);
  }
  return signals;
}

function parseBool(raw: Raw, key: string): boolean | undefined {
  const v = raw[key]?.trim().toLowerCase();
  if (v === undefined) return undefined;
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new ConfigError(`${key} must be true or false, got ${JSON.stringify(raw[key])}`);
}

function connectionLimitsOf(raw: Raw): ConnectionLimits {
  const d = DEFAULT_CONNECTION_LIMITS;
  const HOUR = 3_600_000;
  const limits: ConnectionLimits = Object.freeze({
    requestTimeoutMs: int(raw, 'PROVENANT_REQUEST_TIMEOUT_MS', d.requestTimeoutMs, 100, HOUR),
    headersTimeoutMs: int(raw, 'PROVENANT_HEADERS_TIMEOUT_MS', d.headersTimeoutMs, 100, HOUR),
    keepAliveTimeoutMs: int(raw, 'PROVENANT_KEEPALIVE_TIMEOUT_MS', d.keepAliveTimeoutMs, 100, HOUR),
    connectionTimeoutMs: int(raw, 'PROVENANT_CONNECTION_TIMEOUT_MS', d.connectionTimeoutMs, 100, HOUR),
    maxConnections: int(raw, 'PROVENANT_MAX_CONNECTIONS', d.maxConnections, 1, 1_000_000),
  });
  // Node refuses a header timeout longer than the request timeout (the headers are part of the request).
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new ConfigError(`PROVENANT_HEADERS_TIMEOUT_MS (${limits.headersTimeoutMs}) must not exceed PROVENANT_REQUEST_TIMEOUT_MS (${limits.requestTimeoutMs})`);
  }
  return limits;
}

/** Builds the frozen config from an environment (process.env by default). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const fromFile = env.PROVENANT_CONFIG ? readConfigFile(resolve(cwd, env.PROVENANT_CONFIG)) : {};
  // Environment wins over the file.
  const raw: Raw = { ...fromFile };
  for (const k of Object.keys(KEYS)) if (env[k] !== undefined && env[k] !== '') raw[k] = env[k];

  if (raw.PROVENANT_PROFILE !== undefined && raw.PROVENANT_PROFILE !== 'dev' && raw.PROVENANT_PROFILE !== 'production') {
    throw new ConfigError(`PROVENANT_PROFILE must be "dev" or "production", got ${JSON.stringify(raw.PROVENANT_PROFILE)}`);
  }
  const port = int(raw, 'PORT', 3000, 0, 65535);
  const host = raw.HOST ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(host)) throw new ConfigError(`HOST is not a valid host: ${JSON.stringify(host)}`);

  const databaseUrl = raw.DATABASE_URL;
  if (databaseUrl !== undefined) {
    let u: URL;
    try {
      u = new URL(databaseUrl);
    } catch {
      throw new ConfigError('DATABASE_URL is not a valid URL (expected postgres://user@host:port/db)');
    }
    if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
      throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql://, got ${u.protocol}//`);
    }
  }
  const dataDir = resolve(cwd, raw.DATA_DIR ?? './data');

  const hostForUrl = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const publicUrlRaw = raw.PROVENANT_PUBLIC_URL ?? `http://${hostForUrl === '0.0.0.0' ? '127.0.0.1' : hostForUrl}:${port}`;
  let publicUrl: URL;
  try {
    publicUrl = new URL(publicUrlRaw);
  } catch {
    throw new ConfigError(`PROVENANT_PUBLIC_URL is not a valid URL: ${JSON.stringify(publicUrlRaw)}`);
  }
  if (publicUrl.protocol !== 'http:' && publicUrl.protocol !== 'https:') {
    throw new ConfigError('PROVENANT_PUBLIC_URL must be an http:// or https:// URL');
  }
  if (publicUrl.search || publicUrl.hash || publicUrl.username || publicUrl.password) {
    throw new ConfigError('PROVENANT_PUBLIC_URL must not contain credentials, a query or a fragment');
  }

  const path = (v: string | undefined) => (v ? (isAbsolute(v) ? v : resolve(cwd, v)) : undefined);
  const logKeyPath = path(raw.PROVENANT_LOG_KEY);
  const tsaChainPath = path(raw.PROVENANT_TSA_CHAIN);
  const tsaKeyPath = path(raw.PROVENANT_TSA_KEY);
  const caChainPath = path(raw.PROVENANT_CA_CHAIN);
  const caKeyPath = path(raw.PROVENANT_CA_KEY);
  const logLevel = (raw.LOG_LEVEL ?? 'info') as LogLevel;
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got ${JSON.stringify(logLevel)}`);
  }

  // Anything that looks like production gets production behaviour. Every refusal below is
  // collected, so one start-up names everything to fix.
  const productionSignals = productionSignalsOf(raw, host, publicUrl);
  const profile: Profile = (raw.PROVENANT_PROFILE as Profile | undefined) ?? (productionSignals.length > 0 ? 'production' : 'dev');
  const problems: string[] = [];
  const devOidcSetting = parseBool(raw, 'PROVENANT_DEV_OIDC');
  const devOidcAllowed = profile === 'dev' && productionSignals.length === 0;
  if (devOidcSetting === true && !devOidcAllowed) {
    const why = productionSignals.length > 0 ? `this setup is production-like: ${productionSignals.join('; ')}` : 'PROVENANT_PROFILE is production';
    problems.push(
      `PROVENANT_DEV_OIDC=${raw.PROVENANT_DEV_OIDC!.trim()} is refused: the dev issuer mints tokens for any identity and exists only in the quickstart (embedded database, generated keys, loopback HOST and public URL), and ${why}`,
    );
  }
  if (profile === 'production') {
    const missing = PRODUCTION_REQUIRED.filter((k) => raw[k] === undefined);
    if (missing.length > 0) {
      const chosen = raw.PROVENANT_PROFILE === undefined ? ` (the default here, because ${productionSignals.join('; ')})` : '';
      problems.push(
        `the production profile${chosen} requires ${missing.join(', ')} (a postgres:// URL, PEM key and chain files); set them, or set PROVENANT_PROFILE=dev to generate what is missing (keys, and the embedded database without DATABASE_URL; the dev issuer stays off)`,
      );
    }
  } else {
    for (const [a, b] of [['PROVENANT_CA_CHAIN', 'PROVENANT_CA_KEY'], ['PROVENANT_TSA_CHAIN', 'PROVENANT_TSA_KEY']] as const) {
      if ((raw[a] === undefined) !== (raw[b] === undefined)) problems.push(`${a} and ${b} go together: set both or neither (generated dev keys)`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.join('\n'));

  return Object.freeze({
    profile,
    productionSignals: Object.freeze(productionSignals),
    port,
    host,
    databaseUrl,
    dataDir,
    publicUrl: publicUrl.toString().replace(/\/+$/, ''),
    logKeyPath,
    logLevel,
    batchMaxSize: int(raw, 'PROVENANT_BATCH_MAX_SIZE', 4096, 1, 100_000),
    batchMaxAgeMs: int(raw, 'PROVENANT_BATCH_MAX_AGE_MS', 5, 0, 10_000),
    maxEntryBodyBytes: int(raw, 'PROVENANT_MAX_ENTRY_BYTES', 4 * 1024 * 1024, 1024, 256 * 1024 * 1024),
    tileCacheSize: int(raw, 'PROVENANT_TILE_CACHE_SIZE', 4096, 16, 10_000_000),
    tsaChainPath,
    tsaKeyPath,
    algorithmPolicy: parsePolicy(raw.PROVENANT_ALLOWED_ALGORITHMS),
    caConfigPath: path(raw.PROVENANT_CA_CONFIG),
    caChainPath,
    caKeyPath,
    ctKeyPath: path(raw.PROVENANT_CT_KEY),
    devOidc: devOidcAllowed && devOidcSetting !== false,
    verifyWorkers: int(raw, 'PROVENANT_VERIFY_WORKERS', Math.min(4, availableParallelism()), 1, 64),
    verifyDeadlineMs: int(raw, 'PROVENANT_VERIFY_DEADLINE_MS', 2000, 100, 60_000),
    verifyMaxQueued: int(raw, 'PROVENANT_VERIFY_QUEUE', 64, 1, 100_000),
    reseedSignedState: parseBool(raw, 'PROVENANT_RESEED_SIGNED_STATE') === true,
    connectionLimits: connectionLimitsOf(raw),
  });
}

/** The checkpoint signer name: host (and port, if any) of the public URL, as clients match it. */
export function logNameFromPublicUrl(publicUrl: string): string {
  return new URL(publicUrl).host;
}
