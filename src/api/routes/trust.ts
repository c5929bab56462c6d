/** The instance's trust material: GET /trust/trusted_root.json and /trust/signing_config.json. */
import type { FastifyInstance } from 'fastify';
import type { TrustService } from '../../trust/service.ts';
import { SIGNING_CONFIG_MEDIA_TYPE, TRUSTED_ROOT_MEDIA_TYPE } from '../../trust/trusted-root.ts';

export function registerTrustRoutes(app: FastifyInstance, trust: TrustService): void {
  app.get('/trust/trusted_root.json', async (_req, reply) => {
    reply.header('Cache-Control', 'no-cache').header('X-Sigstore-Media-Type', TRUSTED_ROOT_MEDIA_TYPE);
    return reply.type('application/json').send(JSON.stringify(await trust.trustedRoot(), null, 2));
  });
  app.get('/trust/signing_config.json', async (_req, reply) => {
    reply.header('Cache-Control', 'no-cache').header('X-Sigstore-Media-Type', SIGNING_CONFIG_MEDIA_TYPE);
    return reply.type('application/json').send(JSON.stringify(await trust.signingConfig(), null, 2));
  });
}
