import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';

/** The subset of an X.501 distinguished name our certificates use. */
export interface DistinguishedName {
  readonly commonName: string;
  readonly organization?: string;
  readonly organizationalUnit?: string;
  /** Two-letter ISO 3166 code. */
  readonly country?: string;
}

const OID = { country: '2.5.4.6', organization: '2.5.4.10', organizationalUnit: '2.5.4.11', commonName: '2.5.4.3' } as const;

/**
 * Builds a Name with one attribute per RDN, most significant first (C, O, OU, CN), strings as
 * UTF8String and the country as PrintableString (RFC 5280 §4.1.2.4 and Appendix A).
 */
export function buildName(dn: DistinguishedName): Name {
  const rdn = (type: string, value: AttributeValue) =>
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value })]);
  const rdns: RelativeDistinguishedName[] = [];
  if (dn.country !== undefined) {
    if (!/^[A-Z]{2}$/.test(dn.country)) throw new Error(`country must be two capital letters, got ${JSON.stringify(dn.country)}`);
    rdns.push(rdn(OID.country, new AttributeValue({ printableString: dn.country })));
  }
  if (dn.organization !== undefined) rdns.push(rdn(OID.organization, new AttributeValue({ utf8String: dn.organization })));
  if (dn.organizationalUnit !== undefined) {
    rdns.push(rdn(OID.organizationalUnit, new AttributeValue({ utf8String: dn.organizationalUnit })));
  }
  if (dn.commonName.length === 0) throw new Error('commonName must not be empty');
  rdns.push(rdn(OID.commonName, new AttributeValue({ utf8String: dn.commonName })));
  return new Name(rdns);
}
