/**
 * The instance describing itself: its TrustedRoot and SigningConfig, from the keys and chains it
 * signs with and their recorded history (trust_material). Retired keys stay with an end to
 * validFor, so old signatures remain verifiable.
 */
import { createPublicKey, X509Certificate } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { listTrust, unpackChain } from '../db/trust-material.ts';
import { buildSigningConfig, buildTrustedRoot, type CertChain, type KeyDetails, type LogKey } from './trusted-root.ts';
import { DEV_OIDC_PATH } from './dev-oidc.ts';

export interface TrustServiceOptions {
  db: Kysely<DB>;
  publicUrl: string;
  /** Whether this instance runs a CA (caUrls) and the dev OIDC issuer (oidcUrls). */
  hasCa: boolean;
  devOidc: boolean;
  /** Extra OIDC issuers to list in the signing config (from the CA's configuration). */
  oidcIssuers?: readonly string[];
}

function keyDetails(spki: Uint8Array): KeyDetails {
  const k = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' });
  if (k.asymmetricKeyType === 'ed25519') return 'PKIX_ED25519';
  if (k.asymmetricKeyDetails?.namedCurve === 'secp384r1') return 'PKIX_ECDSA_P384_SHA_384';
  return 'PKIX_ECDSA_P256_SHA_256';
}

function subjectOf(der: Uint8Array): { organization: string; commonName: string } {
  const lines = new X509Certificate(Buffer.from(der)).subject.split('\n');
  const get = (k: string) => lines.find((l) => l.startsWith(`${k}=`))?.slice(k.length + 1) ?? '';
  return { organization: get('O'), commonName: get('CN') };
}

export class TrustService {
  constructor(private readonly o: TrustServiceOptions) {}

  async trustedRoot(): Promise<Record<string, unknown>> {
    const { db, publicUrl } = this.o;
    const logs = async (purpose: string, baseUrl: string): Promise<LogKey[]> =>
      (await listTrust(db, purpose)).map((r) => ({
        baseUrl,
        spki: r.material,
        keyDetails: keyDetails(r.material),
        validFor: { start: r.createdAt, end: r.retiredAt ?? undefined },
      }));
    const chains = async (purpose: string, uri: string): Promise<CertChain[]> =>
      (await listTrust(db, purpose)).map((r) => {
        const chain = unpackChain(r.material);
        return { uri, chain, subject: subjectOf(chain[chain.length - 1]!), validFor: { start: r.createdAt, end: r.retiredAt ?? undefined } };
      });
    return buildTrustedRoot({
      // The log's baseUrl is the public URL: its host[:port] is the checkpoint signer name.
      tlogs: await logs('tlog', publicUrl),
      ctlogs: await logs('ctlog', `${publicUrl}/ct`),
      certificateAuthorities: await chains('ca', publicUrl),
      timestampAuthorities: await chains('tsa', `${publicUrl}/api/v1/timestamp`),
    });
  }

  async signingConfig(): Promise<Record<string, unknown>> {
    const { db, publicUrl } = this.o;
    const operator = new URL(publicUrl).host;
    const since = async (purpose: string) => (await listTrust(db, purpose)).find((r) => r.retiredAt === null)?.createdAt ?? new Date();
    const service = (url: string, start: Date, majorApiVersion = 1) => ({ url, majorApiVersion, validFor: { start }, operator });
    const logStart = await since('tlog');
    const oidc = [...(this.o.devOidc ? [`${publicUrl}${DEV_OIDC_PATH}`] : []), ...(this.o.oidcIssuers ?? [])];
    return buildSigningConfig({
      caUrls: this.o.hasCa ? [service(publicUrl, await since('ca'))] : [],
      oidcUrls: oidc.map((u) => service(u, logStart)),
      // The log's URL is the public URL, whose host[:port] is the checkpoint signer name.
      rekorTlogUrls: [service(publicUrl, logStart)],
      tsaUrls: [service(`${publicUrl}/api/v1/timestamp`, await since('tsa'))],
    });
  }
}
