/** sigstore-js helpers: a key-based signer and a TrustedRoot for a live instance. */
import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import type { Signer } from '@sigstore/sign';
import { toTrustMaterial } from '@sigstore/verify';

export interface KeySigner extends Signer {
  pem: string;
  spki: Buffer;
  hint: string;
}

export function keySigner(hint = 'provenant-test-key'): KeySigner {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return {
    pem,
    spki,
    hint,
    sign: async (data: Buffer) => ({ signature: sign('sha256', data, privateKey as KeyObject), key: { $case: 'publicKey', publicKey: pem, hint } }),
  };
}

export function trustedRootJson(opts: { logUrl: string; logSpki: Uint8Array; keyDetails?: string }): Record<string, unknown> {
  const raw = Buffer.from(opts.logSpki);
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: opts.logUrl,
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: raw.toString('base64'), keyDetails: opts.keyDetails ?? 'PKIX_ECDSA_P256_SHA_256', validFor: { start: '2000-01-01T00:00:00Z' } },
        logId: { keyId: createHash('sha256').update(raw).digest('base64') },
      },
    ],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  };
}

export function trustMaterialFor(root: Record<string, unknown>, signer: KeySigner) {
  return toTrustMaterial(TrustedRoot.fromJSON(root), {
    [signer.hint]: { rawBytes: signer.spki, keyDetails: 5 /* PKIX_ECDSA_P256_SHA_256 */, validFor: { start: new Date(0) } } as never,
  });
}
