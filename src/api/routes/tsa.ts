import type { FastifyInstance, FastifyRequest } from 'fastify';
import { checkJsonDepth, MAX_JSON_DEPTH } from '../../encoding/json-depth.ts';
import { ProvenantError } from '../../errors.ts';
import type { TimestampAuthority } from '../../tsa/authority.ts';
import { parseJsonTimestampRequest } from '../../tsa/json-request.ts';
import { parseTimeStampReq, type TimestampRequest } from '../../tsa/request.ts';

/**
 * Sigstore timestamp-authority API (openapi.yaml, pkg/api/timestamp.go):
 *
 * - POST /api/v1/timestamp — body `application/timestamp-query` (DER TimeStampReq, RFC 3161 §3.4)
 *   or `application/json` ({artifactHash, hashAlgorithm, nonce?, certificates?, tsaPolicyOID?},
 *   at most 1 KiB → 400 beyond, as Sigstore). 200 `application/timestamp-reply` with a DER
 *   TimeStampResp whose status is granted. Anything refused is a 4xx/503 `{code, message}`, never a
 *   2xx carrying a rejection status (clients store whatever a 2xx returns). Other content types → 415.
 * - GET /api/v1/timestamp/certchain — `application/pem-certificate-chain`: leaf, intermediates,
 *   root. Tokens for sigstore-js carry no certificates, so verifiers need the leaf from here.
 */

/** Upper bound on any request body; bigger bodies get 413 before they are read. */
export const TSA_BODY_LIMIT = 16 * 1024;

const TIMESTAMP_QUERY = 'application/timestamp-query';
const JSON_TYPE = 'application/json';

export function registerTsaRoutes(app: FastifyInstance, tsa: TimestampAuthority): void {
  // Encapsulated: the raw-body parsers below replace fastify's JSON parser only for these routes.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    const raw = (_req: FastifyRequest, body: Buffer, done: (err: null, body: Buffer) => void) => done(null, body);
    scope.addContentTypeParser(TIMESTAMP_QUERY, { parseAs: 'buffer', bodyLimit: TSA_BODY_LIMIT }, raw);
    scope.addContentTypeParser(JSON_TYPE, { parseAs: 'buffer', bodyLimit: TSA_BODY_LIMIT }, raw);

    scope.post('/api/v1/timestamp', { bodyLimit: TSA_BODY_LIMIT }, async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : undefined;
      let parsed: TimestampRequest;
      switch (mediaType(request)) {
        case TIMESTAMP_QUERY:
          parsed = parseTimeStampReq(body ?? Buffer.alloc(0));
          break;
        case JSON_TYPE:
          // This scope bypasses the server's JSON parser, so its depth limit is applied here.
          checkJsonDepth(body ?? Buffer.alloc(0), MAX_JSON_DEPTH);
          parsed = parseJsonTimestampRequest(body ?? Buffer.alloc(0));
          break;
        default:
          throw new ProvenantError(
            'unsupported_media_type',
            `unsupported media type: ${request.headers['content-type'] ?? 'none'}; use ${TIMESTAMP_QUERY} or ${JSON_TYPE}`,
          );
      }
      const resp = await tsa.issue(parsed);
      return reply.code(200).type('application/timestamp-reply').send(Buffer.from(resp.buffer, resp.byteOffset, resp.byteLength));
    });

    scope.get('/api/v1/timestamp/certchain', async (_request, reply) =>
      reply.code(200).type('application/pem-certificate-chain').send(tsa.chainPem),
    );
  });
}

/** The media type essence (RFC 9110 §8.3.1), lower-cased, without parameters. */
function mediaType(request: FastifyRequest): string | undefined {
  const header = request.headers['content-type'];
  if (header === undefined) return undefined;
  return header.split(';')[0]!.trim().toLowerCase();
}
