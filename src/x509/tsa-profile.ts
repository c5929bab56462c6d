import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  anyExtendedKeyUsage,
  BasicConstraints,
  ExtendedKeyUsage,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_certificatePolicies,
  id_ce_extKeyUsage,
  id_ce_inhibitAnyPolicy,
  id_ce_keyUsage,
  id_ce_nameConstraints,
  id_ce_policyConstraints,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_timeStamping,
  KeyUsage,
  KeyUsageFlags,
  Version,
} from '@peculiar/asn1-x509';
import { ProvenantError } from '../errors.ts';
import { signingAlgorithmFor } from './algorithms.ts';
import { decodeExtension, getExtension, type Certificate } from './certificate.ts';

/**
 * The TSA certificate profile: what `openssl ts -verify` (check_purpose_timestamp_sign), Sigstore's
 * timestamp-authority (pkg/x509 VerifyCertChain, with --enforce-intermediate-eku) and sigstore-js
 * all accept. A chain failing here would issue tokens some verifier rejects, so the TSA refuses to
 * start with it.
 *
 * Chain order: leaf, intermediates…, root (the order of GET /api/v1/timestamp/certchain).
 */

/** Critical extensions openssl and Go process; any other critical extension makes them reject the cert. */
const UNDERSTOOD_CRITICAL = new Set<string>([
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_extKeyUsage,
  id_ce_subjectAltName,
  id_ce_nameConstraints,
  id_ce_policyConstraints,
  id_ce_inhibitAnyPolicy,
  id_ce_certificatePolicies,
  id_ce_subjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
]);

const LEAF_ALLOWED_KEY_USAGE = KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation;

export interface TsaChainOptions {
  /** Every certificate must be valid at this instant (the TSA's clock at start-up). */
  readonly now?: Date;
  /** When given, must be the private key of the leaf. */
  readonly privateKey?: KeyObject;
}

/**
 * Throws ProvenantError('invalid_argument') listing every problem found, or returns normally when
 * the chain fits the profile:
 * - at least two certificates, each issued and signed by the next, the last one self-signed;
 * - leaf: X.509 v3, not a CA, ExtendedKeyUsage present, **critical** and exactly timeStamping
 *   (RFC 3161 §2.3), KeyUsage absent or only digitalSignature/nonRepudiation (openssl), key
 *   ECDSA P-256/P-384/P-521 or RSA ≥ 2048;
 * - every other certificate: a CA (basicConstraints cA), keyCertSign when KeyUsage is present,
 *   pathLenConstraint respected;
 * - intermediates carry the timeStamping EKU (Sigstore's EKU chaining); a root with an EKU must
 *   allow timeStamping too (Go checks EKU nesting up to the root);
 * - no unknown critical extension anywhere; every certificate valid at `now`.
 */
export function validateTsaChain(chain: readonly Certificate[], options: TsaChainOptions = {}): void {
  const problems: string[] = [];
  if (chain.length < 2) {
    throw new ProvenantError('invalid_argument', 'TSA certificate chain rejected: it must hold the leaf, any intermediates and the root (at least 2 certificates)');
  }
  chain.forEach((cert, i) => {
    const role = i === 0 ? 'leaf' : i === chain.length - 1 ? 'root' : `intermediate ${i}`;
    const where = `${role} (${cert.subject})`;
    try {
      checkCertificate(cert, i, chain, options, (msg) => problems.push(`${where}: ${msg}`));
    } catch (e) {
      problems.push(`${where}: ${(e as Error).message}`);
    }
  });
  if (problems.length > 0) {
    throw new ProvenantError('invalid_argument', `TSA certificate chain rejected: ${problems.join('; ')}`);
  }
}

function checkCertificate(
  cert: Certificate,
  i: number,
  chain: readonly Certificate[],
  options: TsaChainOptions,
  problem: (msg: string) => void,
): void {
  const isLeaf = i === 0;
  const isRoot = i === chain.length - 1;
  const tbs = cert.asn1.tbsCertificate;
  if (tbs.version !== Version.v3) problem('is not an X.509 v3 certificate');

  for (const ext of tbs.extensions ?? []) {
    if (ext.critical && !UNDERSTOOD_CRITICAL.has(ext.extnID)) problem(`has unsupported critical extension ${ext.extnID}`);
  }

  const now = options.now;
  if (now !== undefined && (now < cert.notBefore || now > cert.notAfter)) {
    problem(`is not valid now (${now.toISOString()}); validity is ${cert.notBefore.toISOString()} to ${cert.notAfter.toISOString()}`);
  }

  // Issuance: name chaining (and AKID/SKID, KU when present, as X509_check_issued does) plus the signature.
  const issuer = isRoot ? cert : chain[i + 1]!;
  if (!cert.x509.checkIssued(issuer.x509)) {
    problem(isRoot ? 'is not self-issued (the last certificate must be the root)' : `was not issued by the next certificate (${issuer.subject})`);
  } else if (!cert.x509.verify(issuer.publicKey)) {
    problem(isRoot ? 'self-signature does not verify' : `signature does not verify with the key of ${issuer.subject}`);
  }

  const bcExt = getExtension(cert, id_ce_basicConstraints);
  const bc = bcExt === undefined ? undefined : decodeExtension(bcExt, BasicConstraints);
  const kuExt = getExtension(cert, id_ce_keyUsage);
  const ku = kuExt === undefined ? undefined : decodeExtension(kuExt, KeyUsage).toNumber();
  const ekuExt = getExtension(cert, id_ce_extKeyUsage);
  const eku = ekuExt === undefined ? undefined : [...decodeExtension(ekuExt, ExtendedKeyUsage)];

  if (isLeaf) {
    if (bc?.cA === true) problem('is a CA certificate; a TSA leaf must be an end-entity certificate (RFC 3161 §2.3)');
    if (ekuExt === undefined || eku === undefined) {
      problem('has no ExtendedKeyUsage; it must be exactly timeStamping and critical (RFC 3161 §2.3)');
    } else {
      if (eku.length !== 1 || eku[0] !== id_kp_timeStamping) {
        problem(`ExtendedKeyUsage must be exactly timeStamping (${id_kp_timeStamping}), found ${eku.join(', ') || 'none'}`);
      }
      if (!ekuExt.critical) problem('ExtendedKeyUsage must be marked critical (RFC 3161 §2.3; openssl rejects it otherwise)');
    }
    if (ku !== undefined && (ku === 0 || (ku & ~LEAF_ALLOWED_KEY_USAGE) !== 0)) {
      problem(`KeyUsage must be digitalSignature and/or nonRepudiation only, found ${describeKeyUsage(ku)}`);
    }
    try {
      signingAlgorithmFor(cert.publicKey);
    } catch (e) {
      problem(`key is unsuitable: ${(e as Error).message}`);
    }
    if (options.privateKey !== undefined && !sameKey(options.privateKey, cert.publicKey)) {
      problem('does not match the TSA private key');
    }
    return;
  }

  if (bc?.cA !== true) problem('is not a CA certificate (basicConstraints cA must be true)');
  if (ku !== undefined && (ku & KeyUsageFlags.keyCertSign) === 0) problem(`KeyUsage lacks keyCertSign (found ${describeKeyUsage(ku)})`);
  const below = i - 1; // intermediate CA certificates between this one and the leaf
  if (bc?.pathLenConstraint !== undefined && below > bc.pathLenConstraint) {
    problem(`pathLenConstraint ${bc.pathLenConstraint} is exceeded by ${below} intermediate(s) below it`);
  }
  if (!isRoot && (eku === undefined || !eku.includes(id_kp_timeStamping))) {
    problem('intermediate must include the timeStamping ExtendedKeyUsage (EKU chaining, as Sigstore requires)');
  }
  if (isRoot && eku !== undefined && !eku.includes(id_kp_timeStamping) && !eku.includes(anyExtendedKeyUsage)) {
    problem('ExtendedKeyUsage does not allow timeStamping');
  }
}

function sameKey(privateKey: KeyObject, publicKey: KeyObject): boolean {
  if (privateKey.type !== 'private') return false;
  const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
  return spki(createPublicKey(privateKey)).equals(spki(publicKey));
}

function describeKeyUsage(ku: number): string {
  const names = (Object.keys(KeyUsageFlags) as (keyof typeof KeyUsageFlags)[]).filter(
    (k) => Number.isNaN(Number(k)) && (ku & KeyUsageFlags[k]) !== 0,
  );
  return names.join(', ') || 'none';
}
