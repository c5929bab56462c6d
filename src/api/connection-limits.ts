/**
 * How long one client may hold a connection, and how many it may hold: the server's defence
 * against slow or idle clients (a body sent one byte every 10 s used to hold a connection for
 * minutes). config.ts reads the PROVENANT_*_MS / PROVENANT_MAX_CONNECTIONS overrides; buildServer
 * applies them. Every value has a default here, so a server built without config is bounded too.
 */
export interface ConnectionLimits {
  /**
   * Receiving one whole request (headers and body) must finish within this; then 408 and close.
   * Node's `server.requestTimeout`. Bounds a body trickled byte by byte.
   */
  readonly requestTimeoutMs: number;
  /** Receiving the request line and headers must finish within this (≤ requestTimeoutMs). Node's `headersTimeout`. */
  readonly headersTimeoutMs: number;
  /** An idle keep-alive connection between two requests is closed after this. Node's `keepAliveTimeout`. */
  readonly keepAliveTimeoutMs: number;
  /** A socket with no traffic either way for this long is destroyed (also while a handler runs). Node's `server.setTimeout`. */
  readonly connectionTimeoutMs: number;
  /** Connections open at once; more are closed on accept. Node's `server.maxConnections`. */
  readonly maxConnections: number;
}

/**
 * - request 30 s: the largest body (PROVENANT_MAX_ENTRY_BYTES, 4 MiB) arrives in time over ≥ 1.2 Mbit/s;
 *   typical entries are a few KiB.
 * - headers 10 s: a request line and headers are a few hundred bytes; 10 s is generous for any
 *   client and six times shorter than Node's 60 s.
 * - keep-alive 72 s: longer than the 60 s idle timeout of common proxies and load balancers (nginx
 *   upstream keepalive, AWS ALB), so the server never closes a connection the proxy is about to
 *   reuse (that race turns a POST into a 502); fastify's default for the same reason. An idle
 *   connection costs a socket, which maxConnections bounds.
 * - idle 30 s: above any handler's legitimate time (worker verification, OIDC discovery and JWKS
 *   fetches, a sequencer batch), so only a dead or stalled peer hits it.
 * - 1024 connections: far above what a proxy or a CI fleet keeps open. Each costs a file
 *   descriptor: keep it below the process's `ulimit -n` minus the database pool and files
 *   (container runtimes set that limit far higher; with a soft limit of 1024, raise it or lower this).
 */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = Object.freeze({
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 72_000,
  connectionTimeoutMs: 30_000,
  maxConnections: 1024,
});

/**
 * How often Node checks requests against requestTimeout and headersTimeout (its own default is
 * 30 s, which would let a 1 s timeout fire only after 30 s): a quarter of the shorter timeout,
 * between 50 ms and 1 s, so a timeout fires at most 25 % (at most 1 s) late.
 */
export function connectionsCheckingIntervalMs(l: ConnectionLimits): number {
  return Math.min(1000, Math.max(50, Math.floor(Math.min(l.requestTimeoutMs, l.headersTimeoutMs) / 4)));
}
