/**
 * Certificate extensions (RFC 5280 §4.2) as the strict certificate walk reads them: the extension
 * list of a TBSCertificate, which extensions Go's crypto/x509 handles, and basicConstraints
 * (§4.2.1.9). Throws DerError on malformed input.
 */
import { childrenOf, content, decodeOid, DerError, readElement, TAG_BOOLEAN, TAG_INTEGER, TAG_OCTET_STRING, TAG_OID, TAG_SEQUENCE, type Tlv } from '../encoding/der.ts';

export const OID_SAN = '2.5.29.17';
export const OID_BASIC_CONSTRAINTS = '2.5.29.19';
/** Extensions Go's crypto/x509 parses; a critical extension not in this set is "unhandled". */
export const GO_HANDLED_EXTENSIONS = new Set([
  '2.5.29.15', // keyUsage
  '2.5.29.19', // basicConstraints
  '2.5.29.17', // subjectAltName
  '2.5.29.30', // nameConstraints
  '2.5.29.31', // cRLDistributionPoints
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.37', // extKeyUsage
  '2.5.29.32', // certificatePolicies
  '1.3.6.1.5.5.7.1.1', // authorityInfoAccess
]);

/**
 * The optional tail of TBSCertificate: issuerUniqueID [1], subjectUniqueID [2], extensions [3]
 * EXPLICIT SEQUENCE OF Extension, where
 *   Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
 */
export function readExtensions(der: Uint8Array, tail: readonly Tlv[]): { oid: string; critical: boolean; value: Uint8Array }[] {
  let last = 0;
  let extsT: Tlv | undefined;
  for (const t of tail) {
    const n = { 0x81: 1, 0xa1: 1, 0x82: 2, 0xa2: 2, 0xa3: 3 }[t.tag];
    if (n === undefined || n <= last) throw new DerError('malformed TBSCertificate');
    last = n;
    if (n === 3) extsT = t;
  }
  if (extsT === undefined) return [];
  const [seq, ...rest] = childrenOf(der, extsT);
  if (seq === undefined || seq.tag !== TAG_SEQUENCE || rest.length > 0) throw new DerError('malformed extensions');
  return childrenOf(der, seq).map((e) => {
    const f = e.tag === TAG_SEQUENCE ? childrenOf(der, e) : [];
    const oidT = f[0];
    const critT = f.length === 3 ? f[1] : undefined;
    const valT = f[f.length - 1];
    if (oidT?.tag !== TAG_OID || valT?.tag !== TAG_OCTET_STRING || f.length < 2 || f.length > 3) throw new DerError('malformed extension');
    let critical = false;
    if (critT !== undefined) {
      const c = content(der, critT);
      if (critT.tag !== TAG_BOOLEAN || c.length !== 1 || (c[0] !== 0 && c[0] !== 0xff)) throw new DerError('malformed extension criticality');
      critical = c[0] === 0xff;
    }
    return { oid: decodeOid(content(der, oidT)), critical, value: content(der, valT) };
  });
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL } */
export function parseBasicConstraints(value: Uint8Array): { isCA: boolean; maxPathLen: number } {
  const seq = readElement(value);
  if (seq.tag !== TAG_SEQUENCE) throw new DerError('basicConstraints: expected SEQUENCE');
  let isCA = false;
  let maxPathLen = -1;
  for (const f of childrenOf(value, seq)) {
    const c = content(value, f);
    if (f.tag === TAG_BOOLEAN) isCA = c.length === 1 && c[0] !== 0;
    else if (f.tag === TAG_INTEGER) {
      if (c.length === 0 || c.length > 4 || ((c[0] as number) & 0x80) !== 0) throw new DerError('basicConstraints: bad pathLenConstraint');
      maxPathLen = c.reduce((acc, x) => acc * 256 + x, 0);
    } else throw new DerError('basicConstraints: unexpected field');
  }
  return { isCA, maxPathLen };
}
