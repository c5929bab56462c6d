/**
 * Client verification material: a PEM PUBLIC KEY (PKIX SubjectPublicKeyInfo), a PEM CERTIFICATE, or a
 * concatenated certificate chain — what Rekor's pkg/pki/x509 `NewPublicKey` accepts — parsed once into
 * the canonical PEM Rekor stores, the signing key, and the leaf's SAN values.
 *
 * All input is attacker-controlled. Rules, mirroring Go where Rekor relies on Go:
 * - PEM: src/encoding/pem.ts in 'strict' mode (stricter than Go: no text outside blocks, no headers).
 *   One block must be "PUBLIC KEY" or "CERTIFICATE"; several blocks are a chain of at most 10
 *   certificates, whatever their labels (cryptoutils.UnmarshalCertificatesFromPEMLimited).
 * - Keys: src/crypto/spki.ts; certificates: src/x509/certificate.ts (strict DER, Go's rules).
 * - Canonical form = Go's re-marshal: `x509.MarshalPKIXPublicKey` for a key (equal to the strict DER
 *   we accepted), `cert.Raw` for certificates, each re-encoded by `pem.EncodeToMemory` and
 *   concatenated for a chain.
 * No trust decision is made here: Rekor checks no trust root, no validity period and no key usage
 * (only a submitted chain is checked against its own last certificate: src/x509/chain.ts).
 */
import { ProvenantError } from '../errors.ts';
import { decodePem, encodePem, PemError } from '../encoding/pem.ts';
import { type Certificate, parseCertificate } from '../x509/certificate.ts';
import { type ClientPublicKey, parsePublicKeyDer } from './spki.ts';

// Names the entry kinds import from here (their own concepts live in the files named).
export type { ClientPublicKey } from './spki.ts';
export { sshSha256Fingerprint } from './ssh-fingerprint.ts';
export { verifyCertificateChain } from '../x509/chain.ts';

export interface ClientVerifier {
  readonly form: 'public-key' | 'certificate' | 'certificate-chain';
  /** Go `CanonicalValue()`: the PEM Rekor stores (base64-encoded) in the entry body. */
  readonly canonicalPem: string;
  readonly canonicalPemBytes: Uint8Array;
  /** The signing key: the public key itself, or the (leaf) certificate's key. */
  readonly key: ClientPublicKey;
  /** Leaf first; empty for a bare public key. */
  readonly certificates: readonly Certificate[];
  /** Leaf certificate SANs (Rekor `Subjects()`); empty for a bare key. */
  readonly subjects: readonly string[];
}

/** cryptoutils.UnmarshalCertificatesFromPEMLimited: at most 10 certificates in a PEM chain. */
const MAX_CHAIN = 10;
const CACHE_SIZE = 1024;
const CACHE_MAX_INPUT = 16 * 1024;
const cache = new Map<string, ClientVerifier>();

/**
 * Parses client PEM (bytes as decoded from the entry's base64, or text). Throws ProvenantError
 * 'invalid_argument' with a message naming the failed check. Results are cached (LRU keyed by the
 * exact input) and frozen.
 */
export function parseClientVerifier(pem: Uint8Array | string): ClientVerifier {
  const cacheKey = typeof pem === 'string' ? pem : Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength).toString('latin1');
  const hit = cache.get(cacheKey);
  if (hit !== undefined) {
    cache.delete(cacheKey);
    cache.set(cacheKey, hit);
    return hit;
  }
  const parsed = parseUncached(pem);
  // Bounded memory: entries are at most CACHE_MAX_INPUT characters (a Fulcio certificate is ~3 KB).
  if (cacheKey.length <= CACHE_MAX_INPUT) {
    cache.set(cacheKey, parsed);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  }
  return parsed;
}

function fail(message: string, cause?: unknown): never {
  throw new ProvenantError('invalid_argument', message, cause === undefined ? {} : { cause });
}

function parseUncached(pem: Uint8Array | string): ClientVerifier {
  let blocks;
  try {
    blocks = decodePem(pem, { mode: 'strict', maxBlocks: MAX_CHAIN });
  } catch (e) {
    if (e instanceof PemError) fail(`invalid public key: failure decoding PEM: ${e.message}`, e);
    throw e;
  }
  if (blocks.length > 1) {
    const certificates = blocks.map((b) => parseCertificate(b.bytes));
    const canonicalPem = certificates.map((c) => encodePem('CERTIFICATE', c.der)).join('');
    const leaf = certificates[0] as Certificate;
    return freeze({ form: 'certificate-chain', canonicalPem, key: leaf.key, certificates, subjects: leaf.subjects });
  }
  const block = blocks[0] as { type: string; bytes: Uint8Array };
  if (block.type === 'PUBLIC KEY') {
    const key = parsePublicKeyDer(block.bytes);
    return freeze({ form: 'public-key', canonicalPem: encodePem('PUBLIC KEY', key.spki), key, certificates: [], subjects: [] });
  }
  if (block.type === 'CERTIFICATE') {
    const cert = parseCertificate(block.bytes);
    return freeze({ form: 'certificate', canonicalPem: encodePem('CERTIFICATE', cert.der), key: cert.key, certificates: [cert], subjects: cert.subjects });
  }
  return fail(`invalid public key: cannot handle type ${block.type}`);
}

function freeze(v: Omit<ClientVerifier, 'canonicalPemBytes'>): ClientVerifier {
  const buf = Buffer.from(v.canonicalPem, 'latin1');
  return Object.freeze({ ...v, canonicalPemBytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), certificates: Object.freeze([...v.certificates]), subjects: Object.freeze([...v.subjects]) });
}
