/**
 * Extensions of Fulcio's code-signing certificates (docs/certificate-specification.md,
 * docs/oid-info.md, pkg/certificate/extensions.go): the Sigstore OIDs 1.3.6.1.4.1.57264.1.x, the
 * subject alternative name, and the certificate-transparency poison and SCT-list extensions.
 * Everything is encoded through @peculiar/asn1-x509; the only raw bytes are the deprecated
 * OIDs .1–.6, whose value is the string itself (not DER), as Fulcio writes them.
 */
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { DirectoryString, Extension, GeneralName, id_ce_subjectAltName, OtherName, SubjectAlternativeName } from '@peculiar/asn1-x509';

const SIGSTORE = '1.3.6.1.4.1.57264.1';

/** OtherName type of the `username` issuer's SAN: "<username>!<subject domain>". */
export const OID_SIGSTORE_OTHERNAME = `${SIGSTORE}.7`;
export const OID_CT_POISON = '1.3.6.1.4.1.11129.2.4.3';
export const OID_CT_SCT_LIST = '1.3.6.1.4.1.11129.2.4.2';

/** Values of the Sigstore extensions; names as in Fulcio's certificate.Extensions. */
export interface SigstoreExtensionValues {
  /** OIDs .1 (raw, deprecated) and .8 (DER); required. */
  readonly issuer: string;
  readonly githubWorkflowTrigger?: string;
  readonly githubWorkflowSha?: string;
  readonly githubWorkflowName?: string;
  readonly githubWorkflowRepository?: string;
  readonly githubWorkflowRef?: string;
  readonly buildSignerUri?: string;
  readonly buildSignerDigest?: string;
  readonly runnerEnvironment?: string;
  readonly sourceRepositoryUri?: string;
  readonly sourceRepositoryDigest?: string;
  readonly sourceRepositoryRef?: string;
  readonly sourceRepositoryIdentifier?: string;
  readonly sourceRepositoryOwnerUri?: string;
  readonly sourceRepositoryOwnerIdentifier?: string;
  readonly buildConfigUri?: string;
  readonly buildConfigDigest?: string;
  readonly buildTrigger?: string;
  readonly runInvocationUri?: string;
  readonly sourceRepositoryVisibilityAtSigning?: string;
  readonly deploymentEnvironment?: string;
  /** OID .24: the token's raw `sub`. */
  readonly subject?: string;
}

export type SigstoreExtensionField = Exclude<keyof SigstoreExtensionValues, 'issuer'>;

export interface ExtensionFieldInfo {
  readonly field: SigstoreExtensionField;
  readonly oid: string;
  /** 'raw': the UTF-8 bytes themselves (OIDs .2–.6); 'utf8': DER UTF8String (.9 and up). */
  readonly encoding: 'raw' | 'utf8';
  /** Key in Fulcio's YAML config (ci-issuer-metadata.*.extension-templates). */
  readonly yaml: string;
  /** Key in Fulcio's JSON config (CIIssuerMetadata.*.ExtensionTemplates). */
  readonly json: string;
}

/** Every optional extension, in the order Fulcio renders them (after .1, before/after .8 as listed). */
export const SIGSTORE_EXTENSION_FIELDS: readonly ExtensionFieldInfo[] = Object.freeze([
  { field: 'githubWorkflowTrigger', oid: `${SIGSTORE}.2`, encoding: 'raw', yaml: 'github-workflow-trigger', json: 'GithubWorkflowTrigger' },
  { field: 'githubWorkflowSha', oid: `${SIGSTORE}.3`, encoding: 'raw', yaml: 'github-workflow-sha', json: 'GithubWorkflowSHA' },
  { field: 'githubWorkflowName', oid: `${SIGSTORE}.4`, encoding: 'raw', yaml: 'github-workflow-name', json: 'GithubWorkflowName' },
  { field: 'githubWorkflowRepository', oid: `${SIGSTORE}.5`, encoding: 'raw', yaml: 'github-workflow-repository', json: 'GithubWorkflowRepository' },
  { field: 'githubWorkflowRef', oid: `${SIGSTORE}.6`, encoding: 'raw', yaml: 'github-workflow-ref', json: 'GithubWorkflowRef' },
  { field: 'buildSignerUri', oid: `${SIGSTORE}.9`, encoding: 'utf8', yaml: 'build-signer-uri', json: 'BuildSignerURI' },
  { field: 'buildSignerDigest', oid: `${SIGSTORE}.10`, encoding: 'utf8', yaml: 'build-signer-digest', json: 'BuildSignerDigest' },
  { field: 'runnerEnvironment', oid: `${SIGSTORE}.11`, encoding: 'utf8', yaml: 'runner-environment', json: 'RunnerEnvironment' },
  { field: 'sourceRepositoryUri', oid: `${SIGSTORE}.12`, encoding: 'utf8', yaml: 'source-repository-uri', json: 'SourceRepositoryURI' },
  { field: 'sourceRepositoryDigest', oid: `${SIGSTORE}.13`, encoding: 'utf8', yaml: 'source-repository-digest', json: 'SourceRepositoryDigest' },
  { field: 'sourceRepositoryRef', oid: `${SIGSTORE}.14`, encoding: 'utf8', yaml: 'source-repository-ref', json: 'SourceRepositoryRef' },
  { field: 'sourceRepositoryIdentifier', oid: `${SIGSTORE}.15`, encoding: 'utf8', yaml: 'source-repository-identifier', json: 'SourceRepositoryIdentifier' },
  { field: 'sourceRepositoryOwnerUri', oid: `${SIGSTORE}.16`, encoding: 'utf8', yaml: 'source-repository-owner-uri', json: 'SourceRepositoryOwnerURI' },
  { field: 'sourceRepositoryOwnerIdentifier', oid: `${SIGSTORE}.17`, encoding: 'utf8', yaml: 'source-repository-owner-identifier', json: 'SourceRepositoryOwnerIdentifier' },
  { field: 'buildConfigUri', oid: `${SIGSTORE}.18`, encoding: 'utf8', yaml: 'build-config-uri', json: 'BuildConfigURI' },
  { field: 'buildConfigDigest', oid: `${SIGSTORE}.19`, encoding: 'utf8', yaml: 'build-config-digest', json: 'BuildConfigDigest' },
  { field: 'buildTrigger', oid: `${SIGSTORE}.20`, encoding: 'utf8', yaml: 'build-trigger', json: 'BuildTrigger' },
  { field: 'runInvocationUri', oid: `${SIGSTORE}.21`, encoding: 'utf8', yaml: 'run-invocation-uri', json: 'RunInvocationURI' },
  {
    field: 'sourceRepositoryVisibilityAtSigning',
    oid: `${SIGSTORE}.22`,
    encoding: 'utf8',
    yaml: 'source-repository-visibility-at-signing',
    json: 'SourceRepositoryVisibilityAtSigning',
  },
  { field: 'deploymentEnvironment', oid: `${SIGSTORE}.23`, encoding: 'utf8', yaml: 'deployment-environment', json: 'DeploymentEnvironment' },
  { field: 'subject', oid: `${SIGSTORE}.24`, encoding: 'utf8', yaml: 'subject', json: 'Subject' },
]);

const OID_ISSUER_V1 = `${SIGSTORE}.1`;
const OID_ISSUER_V2 = `${SIGSTORE}.8`;

/** DER UTF8String of `s` (tag 0x0C), via DirectoryString's utf8String choice. */
export function derUtf8String(s: string): Uint8Array {
  return new Uint8Array(AsnConvert.serialize(new DirectoryString({ utf8String: s })));
}

function ext(oid: string, critical: boolean, value: Uint8Array): Extension {
  return new Extension({ extnID: oid, critical, extnValue: new OctetString(value) });
}

/**
 * The Sigstore extensions in Fulcio's order (Extensions.Render): .1, the deprecated raw .2–.6,
 * .8, then .9–.24. Empty values are left out; the issuer is required. All non-critical.
 */
export function renderSigstoreExtensions(v: SigstoreExtensionValues): Extension[] {
  if (!v.issuer) throw new Error('extensions must have a non-empty issuer url');
  const raw = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
  const out: Extension[] = [ext(OID_ISSUER_V1, false, raw(v.issuer))];
  for (const f of SIGSTORE_EXTENSION_FIELDS) {
    if (f.encoding !== 'raw') continue;
    const value = v[f.field];
    if (value) out.push(ext(f.oid, false, raw(value)));
  }
  out.push(ext(OID_ISSUER_V2, false, derUtf8String(v.issuer)));
  for (const f of SIGSTORE_EXTENSION_FIELDS) {
    if (f.encoding !== 'utf8') continue;
    const value = v[f.field];
    if (value) out.push(ext(f.oid, false, derUtf8String(value)));
  }
  return out;
}

/** The one subject alternative name of a Fulcio certificate. */
export type SubjectAltName =
  | { readonly type: 'email'; readonly value: string }
  | { readonly type: 'uri'; readonly value: string }
  /** OtherName 1.3.6.1.4.1.57264.1.7 with a UTF8String "<username>!<domain>". */
  | { readonly type: 'username'; readonly value: string };

/**
 * SubjectAltName with exactly one name, critical (RFC 5280 §4.2.1.6: the subject is empty).
 * rfc822Name and URI are IA5String: non-ASCII values are refused.
 */
export function subjectAltNameExtension(san: SubjectAltName): Extension {
  let name: GeneralName;
  if (san.type === 'username') {
    name = new GeneralName({ otherName: new OtherName({ typeId: OID_SIGSTORE_OTHERNAME, value: toArrayBuffer(derUtf8String(san.value)) }) });
  } else {
    // eslint-disable-next-line no-control-regex
    if (!/^[\x21-\x7e]+$/.test(san.value)) throw new Error(`${san.type} SAN must be printable ASCII without spaces`);
    name = new GeneralName(san.type === 'email' ? { rfc822Name: san.value } : { uniformResourceIdentifier: san.value });
  }
  return ext(id_ce_subjectAltName, true, new Uint8Array(AsnConvert.serialize(new SubjectAlternativeName([name]))));
}

/** RFC 6962 §3.1: critical, value ASN.1 NULL. */
export function ctPoisonExtension(): Extension {
  return ext(OID_CT_POISON, true, Uint8Array.of(0x05, 0x00));
}

/** RFC 6962 §3.3: extnValue is an OCTET STRING holding the TLS SignedCertificateTimestampList. */
export function sctListExtension(sctList: Uint8Array): Extension {
  return ext(OID_CT_SCT_LIST, false, new Uint8Array(AsnConvert.serialize(new OctetString(sctList))));
}

function toArrayBuffer(u: Uint8Array): ArrayBuffer {
  return u.slice().buffer;
}
