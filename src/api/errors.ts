import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { type ErrorCode, ProvenantError } from '../errors.ts';

/** The one table from domain error codes to HTTP statuses. Rekor's body is always {code, message}. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = Object.freeze({
  invalid_argument: 400,
  invalid_entry: 400,
  schema_violation: 422,
  not_found: 404,
  already_exists: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unauthenticated: 401,
  permission_denied: 403,
  unavailable: 503,
  refuse_to_sign: 503,
  internal: 500,
});

export function sendError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('application/json').send({ code: status, message });
}

export function replyWithError(reply: FastifyReply, err: ProvenantError): FastifyReply {
  const status = HTTP_STATUS[err.code];
  if (err.location !== undefined) reply.header('Location', err.location);
  if (status === 503) reply.header('Retry-After', String(err.retryAfterSeconds ?? 1));
  return sendError(reply, status, err.message);
}

/**
 * Installs the error handler: ProvenantError → its status; fastify's own errors (bad JSON, body too
 * large, unsupported content type, schema validation) → the matching Rekor-style {code, message}.
 * Anything else is a bug: logged, answered 500 without internals.
 */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | ProvenantError | Error, request, reply) => {
    if (error instanceof ProvenantError) {
      if (error.code === 'internal') request.log.error({ err: error }, 'internal error');
      return replyWithError(reply, error);
    }
    const fe = error as FastifyError;
    if (fe.validation) return sendError(reply, 422, fe.message);
    switch (fe.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendError(reply, 413, `Request Entity Too Large. Limit set to ${request.routeOptions.bodyLimit ?? ''}`.trim());
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendError(reply, 415, `unsupported media type: ${request.headers['content-type'] ?? 'none'}`);
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendError(reply, 400, 'request body is empty');
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return sendError(reply, 400, `malformed request body: ${fe.message}`);
    }
    if (error instanceof SyntaxError) return sendError(reply, 400, `malformed JSON body: ${error.message}`);
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return sendError(reply, fe.statusCode, fe.message);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendError(reply, 500, 'internal server error');
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, `no route for ${request.method} ${request.url.split('?')[0]}`));
}
