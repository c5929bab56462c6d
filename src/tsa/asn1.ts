import {
  AsnArray,
  AsnIntegerArrayBufferConverter,
  AsnProp,
  AsnPropTypes,
  AsnType,
  AsnTypeTypes,
  OctetString,
} from '@peculiar/asn1-schema';
import { Attribute } from '@peculiar/asn1-cms';
import { AlgorithmIdentifier, GeneralNames } from '@peculiar/asn1-x509';

/**
 * ASN.1 schemas the @peculiar packages lack, declared with @peculiar/asn1-schema. The decorators are
 * applied by calling them (the project does not enable TypeScript's legacy decorators); the effect
 * is the same as the `__decorate` calls in @peculiar's own compiled code.
 */

/** RFC 5035 §3: id-aa-signingCertificateV2 */
export const id_aa_signingCertificateV2 = '1.2.840.113549.1.9.16.2.47';
/** RFC 5652 §11.1 */
export const id_contentType = '1.2.840.113549.1.9.3';

/**
 * RFC 5035 §4:
 * ```asn1
 * IssuerSerial ::= SEQUENCE {
 *   issuer                   GeneralNames,
 *   serialNumber             CertificateSerialNumber }
 * ```
 */
export class IssuerSerial {
  issuer: GeneralNames = new GeneralNames();
  serialNumber: ArrayBuffer = new ArrayBuffer(0);
  constructor(params: Partial<IssuerSerial> = {}) {
    Object.assign(this, params);
  }
}
AsnProp({ type: GeneralNames })(IssuerSerial.prototype, 'issuer');
AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })(IssuerSerial.prototype, 'serialNumber');

/**
 * RFC 5035 §4:
 * ```asn1
 * ESSCertIDv2 ::= SEQUENCE {
 *   hashAlgorithm            AlgorithmIdentifier DEFAULT {algorithm id-sha256},
 *   certHash                 Hash,            -- OCTET STRING
 *   issuerSerial             IssuerSerial OPTIONAL }
 * ```
 * DER omits hashAlgorithm when it is SHA-256 (X.690 §11.5), so leave it undefined for SHA-256.
 */
export class EssCertIdV2 {
  hashAlgorithm?: AlgorithmIdentifier;
  certHash: OctetString = new OctetString();
  issuerSerial?: IssuerSerial;
  constructor(params: Partial<EssCertIdV2> = {}) {
    Object.assign(this, params);
  }
}
AsnProp({ type: AlgorithmIdentifier, optional: true })(EssCertIdV2.prototype, 'hashAlgorithm');
AsnProp({ type: OctetString })(EssCertIdV2.prototype, 'certHash');
AsnProp({ type: IssuerSerial, optional: true })(EssCertIdV2.prototype, 'issuerSerial');

/**
 * RFC 5035 §3:
 * ```asn1
 * SigningCertificateV2 ::= SEQUENCE {
 *   certs        SEQUENCE OF ESSCertIDv2,
 *   policies     SEQUENCE OF PolicyInformation OPTIONAL }
 * ```
 * (policies is never emitted.)
 */
export class SigningCertificateV2 {
  certs: EssCertIdV2[] = [];
  constructor(params: Partial<SigningCertificateV2> = {}) {
    Object.assign(this, params);
  }
}
AsnProp({ type: EssCertIdV2, repeated: 'sequence' })(SigningCertificateV2.prototype, 'certs');

/**
 * A bare OBJECT IDENTIFIER value (as a CHOICE of one, so it serializes without a wrapper): the
 * value of the contentType attribute, RFC 5652 §11.1 `ContentType ::= OBJECT IDENTIFIER`.
 */
export class ObjectIdentifierValue {
  value = '';
  constructor(value = '') {
    this.value = value;
  }
}
AsnProp({ type: AsnPropTypes.ObjectIdentifier })(ObjectIdentifierValue.prototype, 'value');
AsnType({ type: AsnTypeTypes.Choice })(ObjectIdentifierValue);

/**
 * RFC 5652 §5.4: the signature covers the DER encoding of the signed attributes as
 * `SET OF Attribute` (tag 0x31), not of the [0] IMPLICIT field that carries them in SignerInfo.
 */
export class SignedAttributesSet extends AsnArray<Attribute> {}
AsnType({ type: AsnTypeTypes.Set, itemType: Attribute })(SignedAttributesSet);
