/**
 * PKCS#10 certificate signing requests (RFC 2986) as Fulcio accepts them: PEM ("CERTIFICATE
 * REQUEST" or "NEW CERTIFICATE REQUEST", sigstore cryptoutils.ParseCSR), DER inside, a valid
 * self-signature (the proof of possession). All input is attacker-controlled.
 */
import { constants, verify } from 'node:crypto';
import { CertificationRequest } from '@peculiar/asn1-csr';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Extensions, type Extension } from '@peculiar/asn1-x509';
import { checkNesting, readElement } from '../encoding/der.ts';
import { decodePem, PemError } from '../encoding/pem.ts';
import { type ClientPublicKey, parsePublicKeyDer } from '../crypto/spki.ts';
import { ProvenantError } from '../errors.ts';

/** PKCS#9 extensionRequest (RFC 2985 §5.4.2). */
export const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';

/** CSR signature algorithms Fulcio maps to a hash (grpc_server.go getHashFuncForSignatureAlgorithm). */
const CSR_SIGNATURE_ALGORITHMS: Readonly<Record<string, { key: 'ec' | 'rsa' | 'ed25519'; hash: 'sha256' | 'sha384' | 'sha512' | 'none' }>> = Object.freeze({
  '1.2.840.10045.4.3.2': { key: 'ec', hash: 'sha256' },
  '1.2.840.10045.4.3.3': { key: 'ec', hash: 'sha384' },
  '1.2.840.10045.4.3.4': { key: 'ec', hash: 'sha512' },
  '1.2.840.113549.1.1.11': { key: 'rsa', hash: 'sha256' },
  '1.2.840.113549.1.1.12': { key: 'rsa', hash: 'sha384' },
  '1.2.840.113549.1.1.13': { key: 'rsa', hash: 'sha512' },
  '1.3.101.112': { key: 'ed25519', hash: 'none' },
});

export class CsrError extends Error {
  override name = 'CsrError';
  constructor(
    message: string,
    /** 'parse': not a CSR; 'signature': the self-signature does not verify. */
    readonly kind: 'parse' | 'signature',
  ) {
    super(message);
  }
}

export interface ParsedCsr {
  /** The requested key, DER SubjectPublicKeyInfo. */
  readonly subjectPublicKeyInfo: Uint8Array;
  /** Hash of the CSR's signature algorithm ('none' for Ed25519). */
  readonly signatureHash: 'sha256' | 'sha384' | 'sha512' | 'none';
  /** Extensions requested through the extensionRequest attribute, in order. */
  readonly requestedExtensions: readonly Extension[];
  /** OIDs of any other attributes (ignored, as Fulcio ignores every CSR field but the key). */
  readonly otherAttributes: readonly string[];
}

/**
 * Parses a PEM CSR (bytes or text) and verifies its self-signature. Throws CsrError: kind 'parse'
 * for anything malformed (non-DER, trailing data, unknown signature algorithm, key/algorithm
 * mismatch), 'signature' when the signature does not verify.
 */
export function parseAndVerifyCsr(pem: Uint8Array | string): ParsedCsr {
  let der: Uint8Array;
  try {
    const blocks = decodePem(pem, { mode: 'strict', maxBlocks: 1 });
    const block = blocks[0]!;
    if (block.type !== 'CERTIFICATE REQUEST' && block.type !== 'NEW CERTIFICATE REQUEST') {
      throw new CsrError(`PEM block is ${block.type}, expected CERTIFICATE REQUEST`, 'parse');
    }
    der = block.bytes;
  } catch (e) {
    if (e instanceof PemError) throw new CsrError(`not a PEM CSR: ${e.message}`, 'parse');
    throw e;
  }
  let csr: CertificationRequest;
  try {
    // The one DER reader first (definite minimal lengths, bounded nesting, no trailing data), then
    // @peculiar for the structure.
    checkNesting(der, readElement(der));
    csr = AsnConvert.parse(der, CertificationRequest);
  } catch (e) {
    throw new CsrError(`malformed CSR: ${(e as Error).message}`, 'parse');
  }
  // DER only, nothing trailing: the re-encoding of what we parsed must be the input itself.
  if (!Buffer.from(AsnConvert.serialize(csr)).equals(der)) throw new CsrError('CSR is not DER-encoded or has trailing data', 'parse');
  const info = csr.certificationRequestInfo;
  if (info.version !== 0) throw new CsrError(`unsupported CSR version ${info.version}`, 'parse');
  const raw = csr.certificationRequestInfoRaw;
  if (!raw) throw new CsrError('malformed CSR: no certificationRequestInfo', 'parse');

  const alg = CSR_SIGNATURE_ALGORITHMS[csr.signatureAlgorithm.algorithm];
  if (!alg) throw new CsrError(`unrecognized CSR signature algorithm ${csr.signatureAlgorithm.algorithm}`, 'parse');
  const spki = new Uint8Array(AsnConvert.serialize(info.subjectPKInfo));
  // The strict client-key parser (type and size limits) runs before the signature is checked.
  let parsedKey: ClientPublicKey;
  try {
    parsedKey = parsePublicKeyDer(spki);
  } catch (e) {
    if (e instanceof ProvenantError) throw new CsrError(`CSR public key cannot be parsed: ${e.message}`, 'parse');
    throw e;
  }
  const key = parsedKey.keyObject;
  const keyType = { ecdsa: 'ec', rsa: 'rsa', ed25519: 'ed25519' }[parsedKey.type.alg];
  if (keyType !== alg.key) throw new CsrError(`CSR signature algorithm ${csr.signatureAlgorithm.algorithm} does not match its ${key.asymmetricKeyType} key`, 'parse');

  const message = new Uint8Array(raw);
  const signature = new Uint8Array(csr.signature);
  let ok: boolean;
  try {
    ok =
      alg.key === 'ed25519'
        ? verify(null, message, key, signature)
        : alg.key === 'ec'
          ? verify(alg.hash, message, { key, dsaEncoding: 'der' }, signature)
          : verify(alg.hash, message, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    ok = false;
  }
  if (!ok) throw new CsrError('CSR signature does not verify with its public key', 'signature');

  const requestedExtensions: Extension[] = [];
  const otherAttributes: string[] = [];
  for (const attr of info.attributes ?? []) {
    if (attr.type !== OID_EXTENSION_REQUEST) {
      otherAttributes.push(attr.type);
      continue;
    }
    for (const v of attr.values) {
      try {
        requestedExtensions.push(...AsnConvert.parse(v, Extensions));
      } catch (e) {
        throw new CsrError(`malformed extensionRequest attribute: ${(e as Error).message}`, 'parse');
      }
    }
  }
  return { subjectPublicKeyInfo: spki, signatureHash: alg.hash, requestedExtensions, otherAttributes };
}
