import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CertificateAuthority } from '../../ca/ca.ts';
import { parseV1Request, parseV2Request } from '../../ca/request.ts';
import { ProvenantError } from '../../errors.ts';

/**
 * Fulcio's HTTP API (fulcio.proto through grpc-gateway, and fulcio_legacy.proto):
 *
 * - POST /api/v2/signingCert — JSON {credentials: {oidcIdentityToken}, publicKeyRequest |
 *   certificateSigningRequest}; the token may instead come as `Authorization: Bearer`. 200
 *   {signedCertificateEmbeddedSct: {chain: {certificates: [leaf, intermediate, root]}}} (PEM), or
 *   signedCertificateDetachedSct without a CT log. 401 bad token, 400 bad key/proof/CSR.
 * - GET /api/v2/trustBundle — {chains: [{certificates: [intermediate, root]}]}.
 * - GET /api/v2/configuration — {issuers: [...]}, every issuer the CA accepts.
 * - POST /api/v1/signingCert (deprecated) — token in Authorization, body {publicKey {algorithm,
 *   content (base64)}, signedEmailAddress (base64)} or {certificateSigningRequest}; 201
 *   application/pem-certificate-chain, leaf first.
 * - GET /api/v1/rootCert (deprecated) — the CA chain as PEM.
 * Errors are the project's {code, message} bodies (sigstore-js shows `message`).
 */

/** Largest accepted request body (a token, a key or CSR, a proof). */
export const CA_BODY_LIMIT = 128 * 1024;

const PEM_CHAIN = 'application/pem-certificate-chain';

/**
 * `ca` may be a getter, so routes can be registered before the CA is loaded (the server listens
 * first); until it returns a CA every route answers 503.
 */
export function registerCaRoutes(app: FastifyInstance, ca: CertificateAuthority | (() => CertificateAuthority | undefined)): void {
  const get = (): CertificateAuthority => {
    const c = typeof ca === 'function' ? ca() : ca;
    if (!c) throw new ProvenantError('unavailable', 'the certificate authority is starting', { retryAfterSeconds: 1 });
    return c;
  };
  const authorization = (request: FastifyRequest) => {
    const h = request.headers.authorization;
    return Array.isArray(h) ? h[0] : h;
  };

  app.post('/api/v2/signingCert', { bodyLimit: CA_BODY_LIMIT }, async (request, reply) => {
    const issued = await get().issue(parseV2Request(request.body, authorization(request)));
    const chain = { certificates: [...issued.chainPem] };
    return reply
      .code(200)
      .type('application/json')
      .send(issued.embeddedSct ? { signedCertificateEmbeddedSct: { chain } } : { signedCertificateDetachedSct: { chain } });
  });

  app.get('/api/v2/trustBundle', async (_request, reply) => reply.code(200).type('application/json').send(get().trustBundle()));

  app.get('/api/v2/configuration', async (_request, reply) => reply.code(200).type('application/json').send(get().configuration()));

  app.post('/api/v1/signingCert', { bodyLimit: CA_BODY_LIMIT }, async (request, reply) => {
    const issued = await get().issue(parseV1Request(request.body, authorization(request)));
    return reply.code(201).type(PEM_CHAIN).send(issued.chainPem.join('\n').trim());
  });

  app.get('/api/v1/rootCert', async (_request, reply) => reply.code(200).type(PEM_CHAIN).send(get().chainPem.join('\n').trim()));
}
