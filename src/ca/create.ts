/** Composition of the CA: material (dev or production), OIDC verifier, CT log, self-test. */
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { ProvenantError } from '../errors.ts';
import type { TransparencyLog } from '../log/log.ts';
import type { Clock } from '../log/types.ts';
import { CertificateTransparencyLog } from '../ct/log.ts';
import { LeafCertificateBuilder, leafIssuer } from '../x509/ca-leaf.ts';
import { type CaCurve, type CaMaterial, loadCaMaterialFromFiles, loadOrCreateCaMaterial } from '../x509/ca-material.ts';
import { CertificateAuthority } from './ca.ts';
import type { CaConfig } from './config.ts';
import { type FetchLike, OidcVerifier } from './oidc.ts';

export interface CreateCertificateAuthorityOptions {
  /** Development: the chain is generated into / loaded from dataDir (ca-root.pem, ca-intermediate.pem, ca-key.pem). */
  readonly dataDir: string;
  /** Production: PEM chain (issuing certificate first, root last) and its PEM key. Both or neither. */
  readonly chainPath?: string | undefined;
  readonly keyPath?: string | undefined;
  /** Already-loaded material (tests); wins over dataDir and the paths. */
  readonly material?: CaMaterial;
  /** Issuers (parseFulcioConfig, withOidcIssuers). */
  readonly caConfig: CaConfig;
  /**
   * The CT tree: TransparencyLog.open({purpose: 'ct', signSets: false, signer: <CT key>, ...}).
   * Undefined: certificates are issued without SCTs (sigstore-js then needs ctlogThreshold 0).
   */
  readonly ctLog: TransparencyLog | undefined;
  readonly clock: Clock;
  readonly fetch?: FetchLike;
  /** See OidcVerifierOptions.jwksRefetchCooldownMs. */
  readonly jwksRefetchCooldownMs?: number;
  readonly logger?: { info(msg: string): void; warn(msg: string): void };
  /** Curve of a generated development chain; default P-384. */
  readonly curve?: CaCurve;
  readonly random?: (n: number) => Uint8Array;
}

/**
 * Loads (or in development generates) the CA chain, checks it can issue a certificate that chains
 * to it, and wires the OIDC verifier and the CT log. Throws ProvenantError('invalid_argument')
 * with the reason when the material is unusable.
 */
export async function createCertificateAuthority(o: CreateCertificateAuthorityOptions): Promise<CertificateAuthority> {
  if ((o.chainPath === undefined) !== (o.keyPath === undefined)) {
    throw new ProvenantError('invalid_argument', 'CA: give both the chain file and the key file, or neither (development material in the data directory)');
  }
  const material =
    o.material ??
    (o.chainPath !== undefined && o.keyPath !== undefined
      ? await loadCaMaterialFromFiles({ chainPath: o.chainPath, keyPath: o.keyPath, now: o.clock.now(), ...(o.logger ? { log: o.logger } : {}) })
      : await loadOrCreateCaMaterial({ dir: o.dataDir, clock: o.clock, ...(o.curve ? { curve: o.curve } : {}), ...(o.logger ? { log: o.logger } : {}) }));
  selfTest(material, o.clock);
  for (const w of o.caConfig.warnings) o.logger?.warn(w);
  if (o.ctLog?.signer.algorithm === 'ed25519') {
    o.logger?.warn('CT log key is Ed25519: sigstore-js 4.x verifies SCTs with SHA-256 digests only and will reject Ed25519 SCTs; use an ECDSA P-256 CT key');
  }
  const ctLog = o.ctLog ? new CertificateTransparencyLog({ log: o.ctLog, clock: o.clock, chain: material.chain }) : undefined;
  const verifier = new OidcVerifier({
    config: o.caConfig,
    clock: o.clock,
    ...(o.fetch ? { fetch: o.fetch } : {}),
    ...(o.jwksRefetchCooldownMs !== undefined ? { jwksRefetchCooldownMs: o.jwksRefetchCooldownMs } : {}),
  });
  return new CertificateAuthority({ material, verifier, ctLog, clock: o.clock, ...(o.random ? { random: o.random } : {}) });
}

/** Issues a throwaway certificate and checks that it names and verifies against the issuing certificate. */
function selfTest(material: CaMaterial, clock: Clock): void {
  const issuing = material.chain[0]!;
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = new LeafCertificateBuilder(leafIssuer(issuing, material.privateKey), {
    subjectPublicKeyInfo: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })),
    serialNumber: Uint8Array.of(1),
    notBefore: clock.now(),
    san: { type: 'email', value: 'self-test@provenant.invalid' },
    sigstore: { issuer: 'https://self-test.invalid' },
  }).certificateWithoutSct();
  const cert = new X509Certificate(der);
  if (!cert.checkIssued(issuing.x509) || !cert.verify(issuing.publicKey)) {
    throw new ProvenantError('invalid_argument', `CA: a test certificate does not chain to ${issuing.subject}; check the CA chain and key`);
  }
}
