/**
 * The certificate authority (Fulcio's CreateSigningCertificate, pkg/server/grpc_server.go and
 * pkg/ca/baseca): identity token → principal → vetted subject key → precertificate → CT log →
 * final certificate with the embedded SCT list. Nothing is logged for a refused request: every
 * check happens before the precertificate is submitted.
 */
import { randomBytes } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  BasicConstraints,
  ExtendedKeyUsage,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_kp_codeSigning,
  KeyUsage,
  KeyUsageFlags,
} from '@peculiar/asn1-x509';
import type { ClientPublicKey } from '../crypto/spki.ts';
import { ProvenantError } from '../errors.ts';
import type { Clock } from '../log/types.ts';
import type { CertificateTransparencyLog } from '../ct/log.ts';
import { encodeSctList } from '../ct/sct.ts';
import type { Certificate } from '../x509/certificate.ts';
import { subjectAltNameExtension } from '../x509/ca-extensions.ts';
import { CsrError, type ParsedCsr, parseAndVerifyCsr } from '../x509/ca-csr.ts';
import { LeafCertificateBuilder, type LeafIssuer, leafIssuer } from '../x509/ca-leaf.ts';
import type { CaMaterial } from '../x509/ca-material.ts';
import { encodePem } from '../encoding/pem.ts';
import type { CaConfig, OidcIssuer } from './config.ts';
import { type Principal, PrincipalError, principalFromToken } from './identity/index.ts';
import {
  checkAlgorithmPermitted,
  checkKeyStrength,
  MSG_INVALID_CSR,
  MSG_INVALID_SIGNATURE,
  parseRequestPublicKey,
  verifyProofOfPossession,
} from './keys.ts';
import type { OidcVerifier } from './oidc.ts';
import type { KeyRequest, SigningCertificateRequest } from './request.ts';

export interface IssuedCertificate {
  /** PEM certificates: the leaf, then the CA chain (intermediates, root). */
  readonly chainPem: readonly string[];
  /** True when the leaf embeds an SCT (Fulcio's signedCertificateEmbeddedSct). */
  readonly embeddedSct: boolean;
  readonly leafDer: Uint8Array;
}

/** One issuer as GET /api/v2/configuration lists it (fulcio.proto OIDCIssuer, protojson). */
export interface ConfigurationIssuer {
  issuerUrl?: string;
  wildcardIssuerUrl?: string;
  audience: string;
  challengeClaim: string;
  spiffeTrustDomain: string;
  issuerType: string;
  subjectDomain: string;
  skipEmailVerification: boolean;
}

export interface CertificateAuthorityOptions {
  readonly material: CaMaterial;
  readonly verifier: OidcVerifier;
  /** The CT log precertificates go to; without one, certificates carry no SCT. */
  readonly ctLog?: CertificateTransparencyLog | undefined;
  readonly clock: Clock;
  /** Randomness for serial numbers; default node:crypto randomBytes. */
  readonly random?: (n: number) => Uint8Array;
}

export class CertificateAuthority {
  readonly chain: readonly Certificate[];
  readonly #chainPem: readonly string[];
  readonly #issuer: LeafIssuer;
  readonly #verifier: OidcVerifier;
  readonly #ct: CertificateTransparencyLog | undefined;
  readonly #clock: Clock;
  readonly #random: (n: number) => Uint8Array;

  constructor(o: CertificateAuthorityOptions) {
    this.chain = o.material.chain;
    this.#chainPem = o.material.chain.map((c) => encodePem('CERTIFICATE', c.der));
    this.#issuer = leafIssuer(o.material.chain[0]!, o.material.privateKey);
    this.#verifier = o.verifier;
    this.#ct = o.ctLog;
    this.#clock = o.clock;
    this.#random = o.random ?? ((n) => new Uint8Array(randomBytes(n)));
  }

  get config(): CaConfig {
    return this.#verifier.config;
  }
  get ctLog(): CertificateTransparencyLog | undefined {
    return this.#ct;
  }

  /** Issues a certificate, or throws ProvenantError: 401 token, 400 key/proof/CSR, 503 issuer/log. */
  async issue(req: SigningCertificateRequest): Promise<IssuedCertificate> {
    const verified = await this.#verifier.verify(req.token);
    let principal: Principal;
    try {
      principal = principalFromToken(verified.issuer, this.config, verified.claims);
    } catch (e) {
      if (e instanceof PrincipalError) throw new ProvenantError('unauthenticated', `There was an error processing the identity token: ${e.message}`, { cause: e });
      throw e;
    }
    const key = this.#subjectKey(req.key, principal);

    const builder = new LeafCertificateBuilder(this.#issuer, {
      subjectPublicKeyInfo: key.spki,
      serialNumber: this.#serial(),
      notBefore: this.#clock.now(),
      san: principal.san,
      sigstore: principal.extensions,
    });
    let leafDer: Uint8Array;
    if (this.#ct) {
      const precertificate = builder.precertificate();
      // Resolves after the precertificate entry is durably committed to the CT log.
      const sct = await this.#ct.logIssuedPrecertificate({ precertificate, tbsCertificate: builder.tbsForCt });
      leafDer = builder.finalCertificate(encodeSctList([sct]));
    } else {
      leafDer = builder.certificateWithoutSct();
    }
    return { chainPem: [encodePem('CERTIFICATE', leafDer), ...this.#chainPem], embeddedSct: this.#ct !== undefined, leafDer };
  }

  /** Random positive 160-bit serial: 20 octets, the first in 0x01..0x7f (minimal and positive). */
  #serial(): Uint8Array {
    const s = this.#random(20);
    if (s.length !== 20) throw new Error('random source returned the wrong length');
    s[0] = s[0]! & 0x7f || 0x01;
    return s;
  }

  #subjectKey(k: KeyRequest, principal: Principal): ClientPublicKey {
    if (k.kind === 'public-key') {
      const key = parseRequestPublicKey(k.content);
      const hash = checkKeyStrength(key);
      verifyProofOfPossession(key, hash, k.proofOfPossession, principal.name);
      checkAlgorithmPermitted(key, hash);
      return key;
    }
    let csr: ParsedCsr;
    try {
      csr = parseAndVerifyCsr(k.csr);
    } catch (e) {
      if (e instanceof CsrError) throw new ProvenantError('invalid_argument', `${e.kind === 'signature' ? MSG_INVALID_SIGNATURE : MSG_INVALID_CSR}: ${e.message}`);
      throw e;
    }
    const key = parseRequestPublicKey(csr.subjectPublicKeyInfo);
    checkKeyStrength(key);
    checkAlgorithmPermitted(key, csr.signatureHash);
    checkRequestedExtensions(csr, principal);
    return key;
  }

  /** GET /api/v2/trustBundle: one chain, intermediates first, root last. */
  trustBundle(): { chains: { certificates: string[] }[] } {
    return { chains: [{ certificates: [...this.#chainPem] }] };
  }

  /** The CA chain as PEM, issuing certificate first (GET /api/v1/rootCert). */
  get chainPem(): readonly string[] {
    return this.#chainPem;
  }

  /** GET /api/v2/configuration: every issuer accepted, exact issuers then wildcards. */
  configuration(): { issuers: ConfigurationIssuer[] } {
    const entry = (i: OidcIssuer): Omit<ConfigurationIssuer, 'issuerUrl' | 'wildcardIssuerUrl'> => ({
      audience: i.clientId,
      challengeClaim: i.challengeClaim,
      spiffeTrustDomain: i.spiffeTrustDomain ?? '',
      issuerType: i.type,
      subjectDomain: i.subjectDomain ?? '',
      skipEmailVerification: i.skipEmailVerification,
    });
    return {
      issuers: [
        ...[...this.config.oidcIssuers.values()].map((i) => ({ issuerUrl: i.issuerUrl, ...entry(i) })),
        ...this.config.metaIssuers.map((m) => ({ wildcardIssuerUrl: m.pattern, ...entry(m.issuer) })),
      ],
    };
  }
}

/**
 * Fulcio ignores every CSR field but the key. We refuse what we would not honour: a requested
 * extension is accepted only when the certificate will say the same (the SAN it gets, KeyUsage
 * within digitalSignature, ExtendedKeyUsage within codeSigning, basicConstraints without cA);
 * anything else is an "extra requested extension" and a 400.
 */
function checkRequestedExtensions(csr: ParsedCsr, principal: Principal): void {
  const refuse = (m: string) => new ProvenantError('invalid_argument', `The certificate signing request asks for what this CA does not issue: ${m}`);
  for (const ext of csr.requestedExtensions) {
    const value = ext.extnValue.buffer;
    try {
      switch (ext.extnID) {
        case id_ce_subjectAltName: {
          const ours = new Uint8Array(subjectAltNameExtension(principal.san).extnValue.buffer);
          if (!Buffer.from(value).equals(ours)) throw refuse('the requested subjectAltName differs from the identity in the token');
          continue;
        }
        case id_ce_keyUsage:
          if ((AsnConvert.parse(value, KeyUsage).toNumber() & ~KeyUsageFlags.digitalSignature) !== 0) throw refuse('requested KeyUsage beyond digitalSignature');
          continue;
        case id_ce_extKeyUsage:
          if ([...AsnConvert.parse(value, ExtendedKeyUsage)].some((p) => p !== id_kp_codeSigning)) throw refuse('requested ExtendedKeyUsage beyond codeSigning');
          continue;
        case id_ce_basicConstraints:
          if (AsnConvert.parse(value, BasicConstraints).cA) throw refuse('requested a CA certificate');
          continue;
        default:
          throw refuse(`extra requested extension ${ext.extnID} is not issued by this CA`);
      }
    } catch (e) {
      if (e instanceof ProvenantError) throw e;
      throw refuse(`malformed requested extension ${ext.extnID}: ${(e as Error).message}`);
    }
  }
}
