/**
 * buildServer(deps): the HTTP surface, testable with inject(). Knows nothing of config or storage
 * setup; main.ts composes it. Services can attach after listen (so /healthz answers 503 until the
 * log is loaded and ready to sign).
 */
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { checkJsonDepth, MAX_JSON_DEPTH } from '../encoding/json-depth.ts';
import { ProvenantError } from '../errors.ts';
import type { TransparencyLog } from '../log/log.ts';
import { type ConnectionLimits, connectionsCheckingIntervalMs, DEFAULT_CONNECTION_LIMITS } from './connection-limits.ts';
import { clientErrorHandler, frameworkErrors, installErrorHandler } from './errors.ts';
import { registerEntryRoutes } from './routes/entries.ts';
import { type AlgorithmPolicy, REKOR_DEFAULT_ALGORITHM_POLICY } from '../log/kinds/index.ts';
import { registerLogRoutes } from './routes/log.ts';
import { registerTsaRoutes } from './routes/tsa.ts';
import { registerCaRoutes } from './routes/ca.ts';
import { registerCtRoutes } from './routes/ct.ts';
import { registerDevOidcRoutes } from './routes/dev-oidc.ts';
import { registerTrustRoutes } from './routes/trust.ts';
import type { CertificateAuthority } from '../ca/index.ts';
import type { DevOidcIssuer } from '../trust/dev-oidc.ts';
import type { TrustService } from '../trust/service.ts';
import type { TimestampAuthority } from '../tsa/index.ts';

export interface Services {
  log?: TransparencyLog;
  tsa?: TimestampAuthority;
  ca?: CertificateAuthority;
  devOidc?: DevOidcIssuer | undefined;
  trust?: TrustService;
  /** Why the instance is not ready (shown by /healthz); undefined once ready. */
  notReady?: string | undefined;
}

export interface ServerOptions {
  logger?: Logger | false;
  /** Default body limit for every route, bytes. */
  bodyLimit?: number;
  /** Body limit of POST /api/v1/log/entries, bytes. */
  maxEntryBodyBytes?: number;
  /** Key/hash pairs accepted for hashedrekord (default: Rekor's). */
  algorithmPolicy?: AlgorithmPolicy;
  /** Threads verifying proposed entries (default 0: on the event loop). */
  verifyWorkers?: number;
  /** Per-entry verification deadline, ms (default: the pool's). */
  verifyDeadlineMs?: number;
  /** Entries that may wait for a verifier thread (default: the pool's). */
  verifyMaxQueued?: number;
  /** Register the dev OIDC issuer's routes (they answer 503 while it is not attached). Default true. */
  devOidc?: boolean;
  /** Timeouts and the connection cap (default: DEFAULT_CONNECTION_LIMITS). */
  connectionLimits?: ConnectionLimits;
  /** Sees every route as it is registered (the openapi test lists them). */
  onRoute?: (route: { method: string | string[]; url: string }) => void;
}

/**
 * The one JSON parser of the server (routes with a raw-body parser of their own call
 * checkJsonDepth themselves): the route's bodyLimit caps the size before a byte is parsed, then a
 * linear scan refuses nesting deeper than MAX_JSON_DEPTH (400), then fastify's own parser
 * (prototype-poisoning checks) runs.
 */
function installJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    try {
      checkJsonDepth(body as string, MAX_JSON_DEPTH);
    } catch (e) {
      done(e as ProvenantError, undefined);
      return;
    }
    parse(req, body as string, done);
  });
}

export function requireLog(s: Services): TransparencyLog {
  if (!s.log || s.notReady) throw new ProvenantError('unavailable', s.notReady ?? 'the log is starting', { retryAfterSeconds: 1 });
  return s.log;
}

/**
 * Routes are registered before the services exist (so /healthz can answer 503 while starting);
 * this stands in for a service and answers 503 until it is attached.
 */
function late<T extends object>(s: Services, get: (s: Services) => T | undefined, what: string): T {
  return new Proxy({} as T, {
    get: (_t, prop) => {
      const svc = s.notReady ? undefined : get(s);
      if (!svc) throw new ProvenantError('unavailable', s.notReady ?? `the ${what} is starting`, { retryAfterSeconds: 1 });
      const v = Reflect.get(svc, prop);
      return typeof v === 'function' ? v.bind(svc) : v;
    },
  });
}

export function buildServer(services: Services, opts: ServerOptions = {}): FastifyInstance {
  const limits = opts.connectionLimits ?? DEFAULT_CONNECTION_LIMITS;
  const app = Fastify({
    loggerInstance: opts.logger || undefined,
    // Per-request lines only at debug level: two lines per request cost more than a proof.
    logController: new LogController({ disableRequestLogging: !(opts.logger && opts.logger.isLevelEnabled('debug')) }),
    logger: opts.logger === undefined ? false : undefined,
    bodyLimit: opts.bodyLimit ?? 1024 * 1024,
    return503OnClosing: true,
    // Errors raised before a route runs answer {code, message} too (errors.ts).
    frameworkErrors,
    clientErrorHandler,
    // sigstore-js posts to `//api/v2/signingCert` when the configured base URL ends in '/'.
    routerOptions: { ignoreDuplicateSlashes: true },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
    // Slow and idle clients (see connection-limits.ts). fastify's own defaults disable the request
    // timeout; Node's would check it only every 30 s.
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: connectionsCheckingIntervalMs(limits),
    },
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  app.server.maxConnections = limits.maxConnections;
  installJsonParser(app);
  if (opts.onRoute) app.addHook('onRoute', opts.onRoute);
  installErrorHandler(app);

  app.get('/healthz', async (_req, reply) => {
    if (services.log && !services.notReady) return reply.send({ status: 'ok', treeSize: Number(services.log.size) });
    return reply.code(503).send({ code: 503, message: services.notReady ?? 'starting' });
  });
  app.get('/ping', async (_req, reply) => reply.type('text/plain').send('.'));

  registerLogRoutes(app, services);
  registerEntryRoutes(app, services, {
    policy: opts.algorithmPolicy ?? REKOR_DEFAULT_ALGORITHM_POLICY,
    maxEntryBodyBytes: opts.maxEntryBodyBytes ?? 4 * 1024 * 1024,
    verifyWorkers: opts.verifyWorkers ?? 0,
    ...(opts.verifyDeadlineMs !== undefined ? { verifyDeadlineMs: opts.verifyDeadlineMs } : {}),
    ...(opts.verifyMaxQueued !== undefined ? { verifyMaxQueued: opts.verifyMaxQueued } : {}),
  });
  registerTsaRoutes(app, late(services, (s) => s.tsa, 'timestamp authority'));
  registerCaRoutes(app, () => (services.notReady ? undefined : services.ca));
  registerCtRoutes(app, () => (services.notReady ? undefined : services.ca?.ctLog));
  registerTrustRoutes(app, late(services, (s) => s.trust, 'trust service'));
  if (opts.devOidc !== false) registerDevOidcRoutes(app, late(services, (s) => s.devOidc, 'dev OIDC issuer (only in the quickstart: embedded database, generated keys, loopback)'));
  return app;
}
