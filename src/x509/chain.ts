/**
 * Certification path validation for a chain submitted in an entry (Rekor pkg/pki/x509
 * verifyCertChain): Go `Certificate.Verify` with the last certificate as the only root, the middle
 * ones as intermediates, any EKU, at the leaf's NotBefore. This is RFC 5280 §6.1 path validation as
 * Go's crypto/x509 `buildChains` does it, limited to what matters for such chains: a path of
 * name-chained, signature-verified certificates from the leaf to the root, every certificate on it
 * valid at that time, intermediates are CAs within their path length, the leaf has no unhandled
 * critical extension, no MD5/SHA-1 signatures. Not checked (unlike Go): name constraints.
 *
 * All input is attacker-controlled, and path building is a search (issue 10, defect 2: a leaf, N
 * copies of one self-signed CA and an unrelated root made a depth-first search try every
 * permutation, N = 7 on P-256 took 3.5 s). The work is bounded the way Go bounds it, plus two
 * savings Go gets from its CertPool:
 * - byte-identical certificates are one candidate (Go's pool dedupes by content);
 * - each (child, parent) signature result is computed once and cached;
 * - at most MAX_CHAIN_SIGNATURE_CHECKS signature checks are attempted, cached ones included, so the
 *   search itself is bounded too; beyond that the chain is refused with 400 naming the limit.
 */
import type { X509Certificate } from 'node:crypto';
import { ProvenantError } from '../errors.ts';
import type { Certificate } from './certificate.ts';

/**
 * Go crypto/x509 `maxChainSignatureChecks`: signature checks one chain verification may attempt.
 * A real chain (leaf, one or two intermediates, root) needs a handful.
 */
export const MAX_CHAIN_SIGNATURE_CHECKS = 100;

const INSECURE_SIG_ALGS = new Set([
  '1.2.840.113549.1.1.4', // md5WithRSAEncryption
  '1.2.840.113549.1.1.5', // sha1WithRSAEncryption
  '1.2.840.10045.4.1', // ecdsa-with-SHA1
  '1.2.840.10040.4.3', // dsa-with-sha1
]);

/**
 * Throws ProvenantError 'invalid_entry' when the chain does not verify, 'invalid_argument' when
 * verifying it would take more than MAX_CHAIN_SIGNATURE_CHECKS signature checks. Requires
 * certs.length ≥ 1 (leaf first, root last).
 */
export function verifyCertificateChain(certs: readonly Certificate[]): void {
  const leaf = certs[0];
  if (leaf === undefined) throw new ProvenantError('invalid_entry', 'no certificate chain provided');
  if (certs.length === 1) return;
  const root = certs[certs.length - 1] as Certificate;
  const at = leaf.notBefore.getTime();
  const err = (m: string) => new ProvenantError('invalid_entry', `x509: ${m}`);
  if (leaf.unhandledCritical.length > 0) throw err('unhandled critical extension');
  const validAt = (c: Certificate) => c.notBefore.getTime() <= at && at <= c.notAfter.getTime();
  if (!validAt(leaf)) throw err('certificate has expired or is not yet valid');

  // Nodes: 0 = leaf, 1..k = distinct intermediates, k + 1 = root.
  const nodes = [leaf, ...distinctIntermediates(certs), root];
  const rootIndex = nodes.length - 1;
  const signatures = new SignatureChecks(nodes);

  // Depth-first search from the leaf, each intermediate used at most once per path; stops at the
  // first complete path (Go collects every path, which accepts the same chains). Every step costs
  // one attempt of the bounded `signatures.signedBy`, so the search is bounded with it.
  const onPath = new Uint8Array(nodes.length);
  const search = (current: number, numIntermediates: number): boolean => {
    if (validAt(root) && (root.maxPathLen < 0 || numIntermediates <= root.maxPathLen) && signatures.signedBy(current, rootIndex)) return true;
    for (let candidate = 1; candidate < rootIndex; candidate++) {
      const c = nodes[candidate] as Certificate;
      if (onPath[candidate] === 1 || !c.isCA || !validAt(c)) continue;
      if (c.maxPathLen >= 0 && numIntermediates > c.maxPathLen) continue;
      if (!signatures.signedBy(current, candidate)) continue;
      onPath[candidate] = 1;
      const found = search(candidate, numIntermediates + 1);
      onPath[candidate] = 0;
      if (found) return true;
    }
    return false;
  };
  if (!search(0, 0)) throw err('certificate signed by unknown authority');
}

/**
 * The middle certificates, each distinct DER once and none equal to the leaf or the root: a copy
 * of the root or leaf as an intermediate can only lengthen a path that exists without it.
 */
function distinctIntermediates(certs: readonly Certificate[]): Certificate[] {
  const hex = (c: Certificate) => Buffer.from(c.der.buffer, c.der.byteOffset, c.der.byteLength).toString('hex');
  const seen = new Set([hex(certs[0] as Certificate), hex(certs[certs.length - 1] as Certificate)]);
  const out: Certificate[] = [];
  for (const c of certs.slice(1, -1)) {
    const h = hex(c);
    if (seen.has(h)) continue;
    seen.add(h);
    out.push(c);
  }
  return out;
}

/** "Is nodes[child] signed by nodes[parent]?", cached per pair, at most MAX_CHAIN_SIGNATURE_CHECKS asks. */
class SignatureChecks {
  readonly #nodes: readonly Certificate[];
  /** Per (child, parent): 0 not yet checked, 1 verified, 2 refused. */
  readonly #results: Uint8Array;
  #attempts = 0;

  constructor(nodes: readonly Certificate[]) {
    this.#nodes = nodes;
    this.#results = new Uint8Array(nodes.length * nodes.length);
  }

  signedBy(child: number, parent: number): boolean {
    const c = this.#nodes[child] as Certificate;
    const p = this.#nodes[parent] as Certificate;
    // Go's CertPool.findPotentialParents: only certificates whose subject is the child's issuer are
    // candidates; comparing names is not a signature check.
    if (!Buffer.from(c.issuerRaw.buffer, c.issuerRaw.byteOffset, c.issuerRaw.byteLength).equals(p.subjectRaw)) return false;
    // Budget: every attempt counts, cached or not, as Go's sigChecks does, which bounds the search.
    if (++this.#attempts > MAX_CHAIN_SIGNATURE_CHECKS) {
      throw new ProvenantError(
        'invalid_argument',
        `x509: certificate chain verification needs more than ${MAX_CHAIN_SIGNATURE_CHECKS} signature checks (the limit, as in Go's crypto/x509)`,
      );
    }
    const slot = child * this.#nodes.length + parent;
    if (this.#results[slot] === 0) this.#results[slot] = this.#verify(child, p) ? 1 : 2;
    return this.#results[slot] === 1;
  }

  #verify(child: number, parent: Certificate): boolean {
    const c = this.#nodes[child] as Certificate;
    if (INSECURE_SIG_ALGS.has(c.signatureAlgorithm)) return false;
    const x509 = openSslView(c);
    // OpenSSL's X509_verify: false for a wrong key, a key of another type or a bad signature.
    return x509 !== null && x509.verify(parent.key.keyObject);
  }
}

/** node's view of the certificate, or null when OpenSSL cannot parse what our DER walk accepted. */
function openSslView(c: Certificate): X509Certificate | null {
  try {
    return c.x509;
  } catch (e) {
    if (typeof (e as { code?: unknown }).code === 'string' && (e as { code: string }).code.startsWith('ERR_OSSL')) return null;
    throw e;
  }
}
