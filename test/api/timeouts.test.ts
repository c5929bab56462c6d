/**
 * Slow and idle clients (issue 10, defect 7): a real server on loopback with small limits set
 * through the configuration, driven by raw sockets. Each case measures when the server closes the
 * connection; the bounds are the configured timeout plus Node's check interval plus a margin.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/api/server.ts';
import { loadConfig } from '../../src/config.ts';

const REQUEST_MS = 1000;
const HEADERS_MS = 1000;
const IDLE_MS = 1500;
const MAX_CONNECTIONS = 3;
/** Check interval (≤ 1/4 of the timeout) plus scheduling slack on a shared machine. */
const SLACK_MS = 1500;
/** Node keeps an idle keep-alive socket 1 s past keepAliveTimeout (HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER). */
const NODE_KEEP_ALIVE_BUFFER_MS = 1000;

interface Probe {
  socket: Socket;
  /** Milliseconds from connect to close, and what the server sent. */
  closed: Promise<{ ms: number; data: string }>;
}

/** Every socket a test opened: destroyed at the end, so a failing case cannot hold the server open. */
const opened = new Set<Socket>();

function open(port: number): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const socket = connect(port, '127.0.0.1');
    opened.add(socket);
    let data = '';
    socket.on('data', (d) => (data += d));
    // A reset from the server is one way of closing; it is what the test waits for.
    socket.on('error', () => undefined);
    const closed = new Promise<{ ms: number; data: string }>((r) => socket.on('close', () => r({ ms: Date.now() - t0, data })));
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

/** Writes `text` one byte every `everyMs` until the socket closes; returns the bytes written. */
function trickle(p: Probe, text: string, everyMs: number): { stop(): number } {
  let i = 0;
  const timer = setInterval(() => {
    if (p.socket.destroyed || i >= text.length) return clearInterval(timer);
    p.socket.write(text[i++]!);
  }, everyMs);
  p.socket.once('close', () => clearInterval(timer));
  return {
    stop() {
      clearInterval(timer);
      return i;
    },
  };
}

/** Resolves with the close, or rejects once `ms` have passed with the socket still open. */
function closedWithin(p: Probe, ms: number, what: string): Promise<{ ms: number; data: string }> {
  return Promise.race([
    p.closed,
    new Promise<never>((_, reject) =>
      setTimeout(() => {
        p.socket.destroy();
        reject(new Error(`${what}: the connection was still open after ${ms} ms`));
      }, ms),
    ),
  ]);
}

describe('connection limits: timeouts and the connection cap', () => {
  let app: FastifyInstance;
  let port: number;
  before(async () => {
    const config = loadConfig({
      PROVENANT_REQUEST_TIMEOUT_MS: String(REQUEST_MS),
      PROVENANT_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
      PROVENANT_CONNECTION_TIMEOUT_MS: String(IDLE_MS),
      PROVENANT_KEEPALIVE_TIMEOUT_MS: String(IDLE_MS),
      PROVENANT_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
    });
    app = buildServer({ notReady: 'not attached in this test' }, { connectionLimits: config.connectionLimits });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  after(async () => {
    for (const s of opened) s.destroy();
    await app.close();
  });

  it('a body sent one byte a second is cut off at the request timeout (408)', async () => {
    const p = await open(port);
    p.socket.write('POST /dev/oidc/token HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n');
    const t = trickle(p, '{"sub":"alice","email":"alice@example.com"}'.padEnd(100, ' '), 1000);
    const { ms, data } = await closedWithin(p, REQUEST_MS + SLACK_MS, 'slow body');
    const sent = t.stop();
    assert.ok(sent < 100, `the body was never completed (${sent} bytes sent)`);
    assert.match(data, /^HTTP\/1\.1 408 /);
    assert.deepEqual(JSON.parse(data.slice(data.indexOf('\r\n\r\n') + 4)), { code: 408, message: 'the request was not received within the request timeout' });
    assert.ok(ms >= REQUEST_MS - 50, `not before the timeout: ${ms} ms`);
  });

  it('headers sent one byte every 200 ms are cut off at the header timeout (408)', async () => {
    const p = await open(port);
    p.socket.write('GET /healthz HTTP/1.1\r\n');
    trickle(p, 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 200);
    const { ms, data } = await closedWithin(p, HEADERS_MS + SLACK_MS, 'slow headers');
    assert.match(data, /^HTTP\/1\.1 408 /);
    assert.ok(ms >= HEADERS_MS - 50, `not before the timeout: ${ms} ms`);
  });

  it('a connection that sends nothing is closed', async () => {
    const p = await open(port);
    const { ms } = await closedWithin(p, Math.min(HEADERS_MS, IDLE_MS) + SLACK_MS, 'idle connection');
    assert.ok(ms >= Math.min(HEADERS_MS, IDLE_MS) - 50, `${ms} ms`);
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const p = await open(port);
    p.socket.write('GET /ping HTTP/1.1\r\nHost: x\r\n\r\n');
    const { data } = await closedWithin(p, IDLE_MS + NODE_KEEP_ALIVE_BUFFER_MS + SLACK_MS, 'keep-alive');
    assert.match(data, /^HTTP\/1\.1 200 /);
    assert.doesNotMatch(data, /connection: close/i);
  });

  it(`the connection cap (${MAX_CONNECTIONS}) is honoured; a slot frees when a connection closes`, async () => {
    const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, () => open(port)));
    // Wait until the server has accepted all of them (accepting is asynchronous).
    for (let i = 0; i < 50 && (await connectionCount(app)) < MAX_CONNECTIONS; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await connectionCount(app), MAX_CONNECTIONS);
    const extra = await open(port);
    extra.socket.write('GET /ping HTTP/1.1\r\nHost: x\r\n\r\n');
    const { ms, data } = await closedWithin(extra, 1000, 'connection over the cap');
    assert.equal(data, '', 'no response over the cap');
    assert.ok(ms < 1000, `${ms} ms`);
    held[0]!.socket.destroy();
    await held[0]!.closed;
    for (let i = 0; i < 50 && (await connectionCount(app)) >= MAX_CONNECTIONS; i++) await new Promise((r) => setTimeout(r, 20));
    const r = await fetch(`http://127.0.0.1:${port}/ping`, { headers: { connection: 'close' } });
    assert.equal(r.status, 200);
    for (const h of held) h.socket.destroy();
  });
});

function connectionCount(app: FastifyInstance): Promise<number> {
  return new Promise((resolve, reject) => app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}
