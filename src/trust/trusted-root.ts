/**
 * Sigstore TrustedRoot (application/vnd.dev.sigstore.trustedroot+json;version=0.1) and SigningConfig
 * v0.2, built from this instance's live keys and chains. Pure: callers pass the material and its
 * recorded validity; the JSON shapes are protobuf-specs' (camelCase, bytes as base64, times RFC 3339).
 */
import { createHash } from 'node:crypto';

export type KeyDetails = 'PKIX_ECDSA_P256_SHA_256' | 'PKIX_ED25519' | 'PKIX_ECDSA_P384_SHA_384';

export interface Validity {
  start: Date;
  end?: Date | undefined;
}

export interface LogKey {
  baseUrl: string;
  spki: Uint8Array;
  keyDetails: KeyDetails;
  validFor: Validity;
}

export interface CertChain {
  uri: string;
  /** DER certificates, leaf (or intermediate) first, root last. */
  chain: readonly Uint8Array[];
  subject: { organization: string; commonName: string };
  validFor: Validity;
}

export interface TrustMaterialInput {
  tlogs: readonly LogKey[];
  ctlogs: readonly LogKey[];
  certificateAuthorities: readonly CertChain[];
  timestampAuthorities: readonly CertChain[];
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const validFor = (v: Validity) => ({ start: v.start.toISOString(), ...(v.end ? { end: v.end.toISOString() } : {}) });

function logJson(l: LogKey) {
  return {
    baseUrl: l.baseUrl,
    hashAlgorithm: 'SHA2_256',
    publicKey: { rawBytes: b64(l.spki), keyDetails: l.keyDetails, validFor: validFor(l.validFor) },
    // Rekor v1 and RFC 6962 log IDs: SHA-256 of the DER SubjectPublicKeyInfo.
    logId: { keyId: createHash('sha256').update(l.spki).digest('base64') },
  };
}

function chainJson(c: CertChain) {
  return {
    subject: c.subject,
    uri: c.uri,
    certChain: { certificates: c.chain.map((d) => ({ rawBytes: b64(d) })) },
    validFor: validFor(c.validFor),
  };
}

export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';
export const SIGNING_CONFIG_MEDIA_TYPE = 'application/vnd.dev.sigstore.signingconfig.v0.2+json';

export function buildTrustedRoot(m: TrustMaterialInput): Record<string, unknown> {
  return {
    mediaType: TRUSTED_ROOT_MEDIA_TYPE,
    tlogs: m.tlogs.map(logJson),
    certificateAuthorities: m.certificateAuthorities.map(chainJson),
    ctlogs: m.ctlogs.map(logJson),
    timestampAuthorities: m.timestampAuthorities.map(chainJson),
  };
}

export interface ServiceInput {
  url: string;
  majorApiVersion: number;
  validFor: Validity;
  operator: string;
}

export interface SigningConfigInput {
  caUrls: readonly ServiceInput[];
  oidcUrls: readonly ServiceInput[];
  rekorTlogUrls: readonly ServiceInput[];
  tsaUrls: readonly ServiceInput[];
}

const svc = (s: ServiceInput) => ({ url: s.url, majorApiVersion: s.majorApiVersion, validFor: validFor(s.validFor), operator: s.operator });

/** SigningConfig v0.2. Selectors are ANY: sigstore-js 4 refuses the others. */
export function buildSigningConfig(c: SigningConfigInput): Record<string, unknown> {
  return {
    mediaType: SIGNING_CONFIG_MEDIA_TYPE,
    caUrls: c.caUrls.map(svc),
    oidcUrls: c.oidcUrls.map(svc),
    rekorTlogUrls: c.rekorTlogUrls.map(svc),
    rekorTlogConfig: { selector: 'ANY' },
    tsaUrls: c.tsaUrls.map(svc),
    tsaConfig: { selector: 'ANY' },
  };
}

export function keyDetailsOf(algorithm: 'ecdsa-p256-sha256' | 'ed25519'): KeyDetails {
  return algorithm === 'ed25519' ? 'PKIX_ED25519' : 'PKIX_ECDSA_P256_SHA_256';
}
