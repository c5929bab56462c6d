import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

/**
 * fastify's router errors, raised before any route or hook (fastify option `frameworkErrors`): a
 * URL that is not valid percent-encoding (400) and a path parameter over the router's
 * maxParamLength (414). The path is attacker-controlled: it is not echoed.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return sendError(reply, 400, 'the URL is not valid: bad percent-encoding');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return sendError(reply, 414, 'a path parameter is too long');
  }
  request.log.error({ err: error }, 'unhandled framework error');
  return sendError(reply, 500, 'internal server error');
}

/**
 * Errors Node's HTTP parser raises before fastify sees a request (fastify option
 * `clientErrorHandler`): the request or header timeout (408, see connection-limits.ts), headers
 * over Node's maxHeaderSize (16 KiB unless --max-http-header-size; 431), anything unparsable (400). Answered as Rekor's {code, message},
 * then the connection is closed, as Node itself does.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset peer or a socket already gone has nothing to answer (Node's 'clientError' contract).
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  let status = 400;
  let message = 'malformed HTTP request';
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    status = 408;
    message = 'the request was not received within the request timeout';
  } else if (err.code === 'HPE_HEADER_OVERFLOW') {
    status = 431;
    message = `request headers larger than ${maxHeaderSize} bytes`;
  }
  if (socket.writable) {
    const body = JSON.stringify({ code: status, message });
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  }
  socket.destroy(err);
}
