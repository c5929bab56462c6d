/**
 * The CA's signing material: its chain (issuing certificate first, root last) and the issuing
 * certificate's private key. Development instances generate a root and an intermediate into the
 * data directory on first start; production loads PEM files. Either way the chain is checked
 * against Fulcio's requirements (pkg/ca/common.go VerifyCertChain, docs/certificate-specification.md)
 * before the CA signs anything.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { exists, readChainAndKey, writeAtomically } from './material-files.ts';
import {
  anyExtendedKeyUsage,
  BasicConstraints,
  ExtendedKeyUsage,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_kp_codeSigning,
  KeyUsage,
  KeyUsageFlags,
} from '@peculiar/asn1-x509';
import { ProvenantError } from '../errors.ts';
import { signingAlgorithmFor } from './algorithms.ts';
import { buildCertificate, extensions, keyIdentifier } from './build.ts';
import { decodeExtension, getExtension, parseCertificate, type Certificate } from './certificate.ts';
import { buildName } from './name.ts';
import { encodePem } from '../encoding/pem.ts';

export interface CaMaterial {
  /** Issuing certificate first (the one whose key signs leaves), root last. */
  readonly chain: readonly Certificate[];
  /** Private key of chain[0]. */
  readonly privateKey: KeyObject;
}

export type CaCurve = 'P-256' | 'P-384';

export interface GenerateCaChainOptions {
  readonly now: Date;
  readonly organization?: string;
  /** Default P-384 (Fulcio's recommendation). P-256 signs ~20× faster on this hardware. */
  readonly curve?: CaCurve;
  /** Default 10 years. */
  readonly rootValidityDays?: number;
  /** Default 3 years (Fulcio's recommendation), never beyond the root. */
  readonly intermediateValidityDays?: number;
}

const DAY_MS = 86_400_000;
/** notBefore back-dating, so verifiers whose clocks lag slightly accept the chain at once. */
const BACKDATE_MS = 5 * 60_000;

/**
 * A development chain: a self-signed root (KU keyCertSign|cRLSign critical, CA:TRUE pathlen 1,
 * SKID, no EKU) and an intermediate (KU keyCertSign|cRLSign critical, EKU codeSigning, CA:TRUE
 * pathlen 0, SKID, AKID = root SKID). The root key exists only in memory and is dropped.
 */
export function generateCaChain(o: GenerateCaChainOptions): CaMaterial {
  const org = o.organization ?? 'provenant';
  const curve = o.curve ?? 'P-384';
  const notBefore = new Date(o.now.getTime() - BACKDATE_MS);
  const rootNotAfter = new Date(o.now.getTime() + (o.rootValidityDays ?? 3650) * DAY_MS);
  const intNotAfter = new Date(Math.min(rootNotAfter.getTime(), o.now.getTime() + (o.intermediateValidityDays ?? 1095) * DAY_MS));

  const rootKeys = generateKeyPairSync('ec', { namedCurve: curve });
  const rootName = buildName({ organization: org, commonName: `${org} CA root` });
  const rootKid = keyIdentifier(rootKeys.publicKey);
  const rootDer = buildCertificate(
    {
      subject: rootName,
      issuer: rootName,
      notBefore,
      notAfter: rootNotAfter,
      publicKey: rootKeys.publicKey,
      extensions: [
        extensions.keyUsage(['keyCertSign', 'cRLSign'], true),
        extensions.basicConstraints({ ca: true, pathLength: 1, critical: true }),
        extensions.subjectKeyIdentifier(rootKid),
      ],
    },
    rootKeys.privateKey,
  );

  const intKeys = generateKeyPairSync('ec', { namedCurve: curve });
  const intDer = buildCertificate(
    {
      subject: buildName({ organization: org, commonName: `${org} CA intermediate` }),
      issuer: rootName,
      notBefore,
      notAfter: intNotAfter,
      publicKey: intKeys.publicKey,
      extensions: [
        extensions.keyUsage(['keyCertSign', 'cRLSign'], true),
        extensions.extendedKeyUsage([id_kp_codeSigning], false),
        extensions.basicConstraints({ ca: true, pathLength: 0, critical: true }),
        extensions.subjectKeyIdentifier(keyIdentifier(intKeys.publicKey)),
        extensions.authorityKeyIdentifier(rootKid),
      ],
    },
    rootKeys.privateKey,
  );
  return { chain: [intDer, rootDer].map(parseCertificate), privateKey: intKeys.privateKey };
}

export interface CaChainCheckOptions {
  /** Every certificate must be valid at this instant. */
  readonly now?: Date;
  /** When given, must be the private key of chain[0]. */
  readonly privateKey?: KeyObject;
}

/**
 * Throws ProvenantError('invalid_argument') listing every problem, or returns when:
 * - each certificate is issued and signed by the next, the last is self-signed;
 * - all are CAs (basicConstraints cA) with keyCertSign when KeyUsage is present, within pathLen;
 * - EKU chaining for codeSigning (Go's x509.Verify with KeyUsages [CodeSigning]): any certificate
 *   with an EKU allows codeSigning, and an issuing intermediate must carry it (Fulcio);
 * - the issuing key is ECDSA P-256/P-384/P-521 or RSA ≥ 2048 (what sigstore-js can verify) and
 *   matches `privateKey`; every certificate is valid at `now`.
 */
export function validateCaChain(chain: readonly Certificate[], o: CaChainCheckOptions = {}): void {
  const problems: string[] = [];
  if (chain.length === 0) throw new ProvenantError('invalid_argument', 'CA certificate chain rejected: it is empty');
  chain.forEach((cert, i) => {
    const isRoot = i === chain.length - 1;
    const role = i === 0 ? (isRoot ? 'issuing root' : 'issuing certificate') : isRoot ? 'root' : `intermediate ${i}`;
    const problem = (m: string) => problems.push(`${role} (${cert.subject}): ${m}`);
    try {
      const issuer = isRoot ? cert : chain[i + 1]!;
      if (!cert.x509.checkIssued(issuer.x509)) problem(isRoot ? 'is not self-issued (the last certificate must be the root)' : `was not issued by ${issuer.subject}`);
      else if (!cert.x509.verify(issuer.publicKey)) problem('signature does not verify');
      if (o.now && (o.now < cert.notBefore || o.now > cert.notAfter)) {
        problem(`is not valid now (${o.now.toISOString()}); validity is ${cert.notBefore.toISOString()} to ${cert.notAfter.toISOString()}`);
      }
      const bcExt = getExtension(cert, id_ce_basicConstraints);
      const bc = bcExt && decodeExtension(bcExt, BasicConstraints);
      if (bc?.cA !== true) problem('is not a CA certificate (basicConstraints cA must be true)');
      if (bc?.pathLenConstraint !== undefined && i > bc.pathLenConstraint) problem(`pathLenConstraint ${bc.pathLenConstraint} is exceeded`);
      const kuExt = getExtension(cert, id_ce_keyUsage);
      if (kuExt && (decodeExtension(kuExt, KeyUsage).toNumber() & KeyUsageFlags.keyCertSign) === 0) problem('KeyUsage lacks keyCertSign');
      const ekuExt = getExtension(cert, id_ce_extKeyUsage);
      const eku = ekuExt && [...decodeExtension(ekuExt, ExtendedKeyUsage)];
      if (eku && !eku.includes(id_kp_codeSigning) && !eku.includes(anyExtendedKeyUsage)) problem('ExtendedKeyUsage does not allow codeSigning');
      if (i === 0 && chain.length > 1 && !eku?.includes(id_kp_codeSigning)) {
        problem('must carry the codeSigning ExtendedKeyUsage to issue code-signing certificates (EKU chaining)');
      }
      if (i === 0) {
        try {
          signingAlgorithmFor(cert.publicKey);
        } catch (e) {
          problem(`key cannot sign certificates sigstore clients verify: ${(e as Error).message}`);
        }
        if (o.privateKey && !sameKey(o.privateKey, cert.publicKey)) problem('does not match the CA private key');
      }
    } catch (e) {
      problem((e as Error).message);
    }
  });
  if (problems.length > 0) throw new ProvenantError('invalid_argument', `CA certificate chain rejected: ${problems.join('; ')}`);
}

export const CA_FILES = Object.freeze({ root: 'ca-root.pem', intermediate: 'ca-intermediate.pem', key: 'ca-key.pem' });

export interface LoadOrCreateCaMaterialOptions {
  readonly dir: string;
  readonly clock: { now(): Date };
  readonly curve?: CaCurve;
  readonly organization?: string;
  readonly log?: { info(msg: string): void; warn(msg: string): void };
}

/**
 * Development material in `dir` (ca-root.pem, ca-intermediate.pem, ca-key.pem): generated on first
 * start, loaded afterwards. A partial set is an error, never silently replaced: certificates already
 * issued chain to the old files.
 */
export async function loadOrCreateCaMaterial(o: LoadOrCreateCaMaterialOptions): Promise<CaMaterial & { readonly created: boolean }> {
  const paths = { root: join(o.dir, CA_FILES.root), intermediate: join(o.dir, CA_FILES.intermediate), key: join(o.dir, CA_FILES.key) };
  const present = await Promise.all(Object.values(paths).map(exists));
  if (present.every(Boolean)) {
    const m = await readMaterial([paths.intermediate, paths.root], paths.key, o.clock.now(), o.log);
    o.log?.info(`CA: loaded certificate chain and key from ${o.dir}`);
    return { ...m, created: false };
  }
  if (present.some(Boolean)) {
    const missing = Object.values(paths).filter((_, i) => !present[i]);
    throw new ProvenantError(
      'invalid_argument',
      `CA material in ${o.dir} is incomplete (missing ${missing.join(', ')}); restore the files or delete all of ${Object.values(CA_FILES).join(', ')} to generate a new chain`,
    );
  }
  const m = generateCaChain({ now: o.clock.now(), ...(o.curve ? { curve: o.curve } : {}), ...(o.organization ? { organization: o.organization } : {}) });
  validateCaChain(m.chain, { now: o.clock.now(), privateKey: m.privateKey });
  await mkdir(o.dir, { recursive: true, mode: 0o700 });
  // Certificates first, key last: a crash leaves an incomplete set (reported above), never a key
  // without its chain.
  await writeAtomically(paths.root, encodePem('CERTIFICATE', m.chain[1]!.der), 0o644);
  await writeAtomically(paths.intermediate, encodePem('CERTIFICATE', m.chain[0]!.der), 0o644);
  const keyPem = m.privateKey.export({ type: 'pkcs8', format: 'pem' });
  await writeAtomically(paths.key, typeof keyPem === 'string' ? keyPem : keyPem.toString('utf8'), 0o600);
  o.log?.info(`CA: generated a development certificate chain in ${o.dir} (${m.chain[0]!.subject})`);
  return { ...m, created: true };
}

export interface LoadCaMaterialFromFilesOptions {
  /** PEM: the issuing certificate first, then any intermediates, then the root. */
  readonly chainPath: string;
  /** PEM private key of the issuing certificate (PKCS#8, SEC1 or PKCS#1; unencrypted). */
  readonly keyPath: string;
  readonly now?: Date;
  readonly log?: { warn(msg: string): void };
}

/** Production material: a PEM chain file and a PEM key file, validated with validateCaChain. */
export async function loadCaMaterialFromFiles(o: LoadCaMaterialFromFilesOptions): Promise<CaMaterial> {
  return readMaterial([o.chainPath], o.keyPath, o.now ?? new Date(), o.log);
}

async function readMaterial(certPaths: readonly string[], keyPath: string, now: Date, log: { warn(msg: string): void } | undefined): Promise<CaMaterial> {
  const { chain, privateKey } = await readChainAndKey('CA', certPaths, keyPath, log);
  validateCaChain(chain, { now, privateKey });
  return { chain, privateKey };
}

function sameKey(privateKey: KeyObject, publicKey: KeyObject): boolean {
  if (privateKey.type !== 'private') return false;
  const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
  return spki(createPublicKey(privateKey)).equals(spki(publicKey));
}



