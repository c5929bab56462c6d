import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { exists, readChainAndKey, writeAtomically } from './material-files.ts';
import { id_kp_timeStamping } from '@peculiar/asn1-x509';
import { ProvenantError } from '../errors.ts';
import { buildCertificate, extensions, keyIdentifier } from './build.ts';
import { certificatesToPem, parseCertificate, type Certificate } from './certificate.ts';
import { buildName } from './name.ts';
import { encodePem } from '../encoding/pem.ts';
import { validateTsaChain } from './tsa-profile.ts';

/** A TSA's signing material: chain leaf → intermediates → root, and the leaf's private key. */
export interface TsaMaterial {
  readonly chain: readonly Certificate[];
  readonly privateKey: KeyObject;
}

export interface GenerateTsaChainOptions {
  readonly now: Date;
  readonly organization?: string;
  /** Default 10 years. */
  readonly validityDays?: number;
  /** Leaf key curve; default P-256 (CA certificates are always P-384). */
  readonly leafCurve?: 'P-256' | 'P-384';
}

const DAY_MS = 86_400_000;
/** Back-dating of notBefore, so a verifier whose clock is slightly behind ours accepts fresh certs. */
const BACKDATE_MS = 5 * 60_000;

/**
 * Generates a development chain: self-signed root CA → intermediate CA (pathlen 0, EKU
 * timeStamping for EKU chaining) → TSA leaf (KU digitalSignature critical, EKU timeStamping only and
 * critical, CA:false). CA keys are ECDSA P-384 and exist only in memory: nothing is ever signed
 * with them again, so they are dropped when this returns.
 */
export function generateTsaChain(options: GenerateTsaChainOptions): TsaMaterial {
  const org = options.organization ?? 'provenant';
  const notBefore = new Date(options.now.getTime() - BACKDATE_MS);
  const notAfter = new Date(options.now.getTime() + (options.validityDays ?? 3650) * DAY_MS);
  const ec = (namedCurve: string) => generateKeyPairSync('ec', { namedCurve });

  const rootKeys = ec('P-384');
  const rootName = buildName({ organization: org, commonName: `${org} TSA root` });
  const rootKid = keyIdentifier(rootKeys.publicKey);
  const rootDer = buildCertificate(
    {
      subject: rootName,
      issuer: rootName,
      notBefore,
      notAfter,
      publicKey: rootKeys.publicKey,
      extensions: [
        extensions.keyUsage(['keyCertSign', 'cRLSign'], true),
        extensions.basicConstraints({ ca: true, pathLength: 1, critical: true }),
        extensions.subjectKeyIdentifier(rootKid),
      ],
    },
    rootKeys.privateKey,
  );

  const intKeys = ec('P-384');
  const intName = buildName({ organization: org, commonName: `${org} TSA intermediate` });
  const intKid = keyIdentifier(intKeys.publicKey);
  const intDer = buildCertificate(
    {
      subject: intName,
      issuer: rootName,
      notBefore,
      notAfter,
      publicKey: intKeys.publicKey,
      extensions: [
        extensions.keyUsage(['keyCertSign', 'cRLSign'], true),
        extensions.extendedKeyUsage([id_kp_timeStamping], false),
        extensions.basicConstraints({ ca: true, pathLength: 0, critical: true }),
        extensions.subjectKeyIdentifier(intKid),
        extensions.authorityKeyIdentifier(rootKid),
      ],
    },
    rootKeys.privateKey,
  );

  const leafKeys = ec(options.leafCurve ?? 'P-256');
  const leafDer = buildCertificate(
    {
      subject: buildName({ organization: org, commonName: `${org} TSA` }),
      issuer: intName,
      notBefore,
      notAfter,
      publicKey: leafKeys.publicKey,
      extensions: [
        extensions.keyUsage(['digitalSignature'], true),
        extensions.extendedKeyUsage([id_kp_timeStamping], true),
        extensions.basicConstraints({ ca: false, critical: true }),
        extensions.subjectKeyIdentifier(keyIdentifier(leafKeys.publicKey)),
        extensions.authorityKeyIdentifier(intKid),
      ],
    },
    intKeys.privateKey,
  );

  return { chain: [leafDer, intDer, rootDer].map(parseCertificate), privateKey: leafKeys.privateKey };
}

export const TSA_FILES = Object.freeze({
  root: 'tsa-root.pem',
  intermediate: 'tsa-intermediate.pem',
  leaf: 'tsa-leaf.pem',
  key: 'tsa-key.pem',
});

export interface LoadOrCreateTsaMaterialOptions {
  readonly dir: string;
  readonly clock: { now(): Date };
  readonly log?: { info(msg: string): void; warn(msg: string): void };
}

/**
 * Development material in `dir`: on first start generates a chain (generateTsaChain) and writes
 * tsa-root.pem, tsa-intermediate.pem, tsa-leaf.pem and tsa-key.pem (PKCS#8, mode 0600); afterwards
 * loads them. Either all four files exist or none: a partial set (e.g. a crash during the first
 * start) is an error, never silently replaced, because tokens already issued name the old leaf.
 * The loaded chain is validated like production material.
 */
export async function loadOrCreateTsaMaterial(options: LoadOrCreateTsaMaterialOptions): Promise<TsaMaterial & { readonly created: boolean }> {
  const { dir, clock, log } = options;
  const paths = {
    root: join(dir, TSA_FILES.root),
    intermediate: join(dir, TSA_FILES.intermediate),
    leaf: join(dir, TSA_FILES.leaf),
    key: join(dir, TSA_FILES.key),
  };
  const present = await Promise.all(Object.values(paths).map(exists));
  if (present.every((p) => p)) {
    const material = await readMaterial(
      [paths.leaf, paths.intermediate, paths.root],
      paths.key,
      clock.now(),
      log,
    );
    log?.info(`TSA: loaded certificate chain and key from ${dir}`);
    return { ...material, created: false };
  }
  if (present.some((p) => p)) {
    const missing = Object.values(paths).filter((_, i) => !present[i]);
    throw new ProvenantError(
      'invalid_argument',
      `TSA material in ${dir} is incomplete (missing ${missing.join(', ')}); restore the files or delete all of ${Object.values(TSA_FILES).join(', ')} to generate a new chain`,
    );
  }

  const material = generateTsaChain({ now: clock.now() });
  validateTsaChain(material.chain, { now: clock.now(), privateKey: material.privateKey });
  const [leaf, intermediate, root] = material.chain as [Certificate, Certificate, Certificate];
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Each file is written to a temporary name and renamed, so none is ever seen half-written; the key
  // goes last, so a crash leaves an incomplete set (reported above) rather than a key without a chain.
  await writeAtomically(paths.root, encodePem('CERTIFICATE', root.der), 0o644);
  await writeAtomically(paths.intermediate, encodePem('CERTIFICATE', intermediate.der), 0o644);
  await writeAtomically(paths.leaf, encodePem('CERTIFICATE', leaf.der), 0o644);
  const keyPem = material.privateKey.export({ type: 'pkcs8', format: 'pem' });
  await writeAtomically(paths.key, typeof keyPem === 'string' ? keyPem : keyPem.toString('utf8'), 0o600);
  log?.info(`TSA: generated a development certificate chain in ${dir} (leaf ${leaf.subject})`);
  return { ...material, created: true };
}

export interface LoadTsaMaterialFromFilesOptions {
  /** PEM: leaf first, then intermediates, then the root. */
  readonly chainPath: string;
  /** PEM private key of the leaf (PKCS#8, SEC1 or PKCS#1; unencrypted). */
  readonly keyPath: string;
  /** Validity of the chain is checked at this instant; default now. */
  readonly now?: Date;
  readonly log?: { warn(msg: string): void };
}

/** Production material: a PEM chain file and a PEM key file, validated with validateTsaChain. */
export async function loadTsaMaterialFromFiles(options: LoadTsaMaterialFromFilesOptions): Promise<TsaMaterial> {
  return readMaterial([options.chainPath], options.keyPath, options.now ?? new Date(), options.log);
}

async function readMaterial(certPaths: readonly string[], keyPath: string, now: Date, log: { warn(msg: string): void } | undefined): Promise<TsaMaterial> {
  const { chain, privateKey } = await readChainAndKey('TSA', certPaths, keyPath, log);
  validateTsaChain(chain, { now, privateKey });
  return { chain, privateKey };
}

/** PEM of a chain in certchain order (leaf, intermediates, root). */
export function tsaChainPem(chain: readonly Certificate[]): string {
  return certificatesToPem(chain);
}



