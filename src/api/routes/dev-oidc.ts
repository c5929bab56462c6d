/** The development OIDC issuer's HTTP surface: discovery, JWKS and a token endpoint. */
import type { FastifyInstance } from 'fastify';
import { DEV_OIDC_PATH, type DevOidcIssuer } from '../../trust/dev-oidc.ts';

/** Largest token request body (a claim set; the issuer refuses claims over 8 KiB once parsed). */
export const DEV_TOKEN_BODY_LIMIT = 16 * 1024;

export function registerDevOidcRoutes(app: FastifyInstance, issuer: DevOidcIssuer): void {
  app.get(`${DEV_OIDC_PATH}/.well-known/openid-configuration`, async (_req, reply) => reply.send(issuer.discovery()));
  app.get(`${DEV_OIDC_PATH}/jwks`, async (_req, reply) => reply.send(issuer.jwks()));
  app.post(`${DEV_OIDC_PATH}/token`, { bodyLimit: DEV_TOKEN_BODY_LIMIT }, async (req, reply) => {
    const idToken = await issuer.token(req.body);
    return reply.send({ id_token: idToken, token_type: 'Bearer', expires_in: 600 });
  });
}
