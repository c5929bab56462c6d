import { type KeyObject, X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, type Extension } from '@peculiar/asn1-x509';
import { decodePem, encodePem } from '../encoding/pem.ts';

/**
 * A certificate parsed once, kept in three views: the exact DER bytes (what is hashed, embedded and
 * published), the @peculiar/asn1-x509 structure (names, extensions with their critical flags) and
 * node's X509Certificate (signature checks, issuer matching).
 */
export interface ParsedCertificate {
  readonly der: Uint8Array;
  readonly asn1: Certificate;
  readonly x509: X509Certificate;
  readonly publicKey: KeyObject;
  readonly serialNumber: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** One-line subject for messages, e.g. "O=provenant, CN=provenant TSA". */
  readonly subject: string;
}

/**
 * Parses one DER certificate. Rejects trailing bytes and duplicate extensions (RFC 5280 §4.2:
 * "A certificate MUST NOT include more than one instance of a particular extension").
 * Throws Error with the reason.
 */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  const bytes = new Uint8Array(der); // own copy: callers may pass pooled Buffers
  let x509: X509Certificate;
  let asn1: Certificate;
  try {
    x509 = new X509Certificate(bytes);
    asn1 = AsnConvert.parse(bytes, Certificate);
  } catch (e) {
    throw new Error(`malformed certificate: ${(e as Error).message}`, { cause: e });
  }
  if (x509.raw.length !== bytes.length) {
    throw new Error(`certificate is followed by ${bytes.length - x509.raw.length} bytes of trailing data`);
  }
  const seen = new Set<string>();
  for (const ext of asn1.tbsCertificate.extensions ?? []) {
    if (seen.has(ext.extnID)) throw new Error(`certificate has extension ${ext.extnID} more than once`);
    seen.add(ext.extnID);
  }
  const tbs = asn1.tbsCertificate;
  return {
    der: bytes,
    asn1,
    x509,
    publicKey: x509.publicKey,
    serialNumber: new Uint8Array(tbs.serialNumber),
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    // Fulcio leaves have an empty subject, which @peculiar/x509 reports as undefined.
    subject: (x509.subject ?? '').split('\n').join(', '),
  };
}

/** Parses every CERTIFICATE block of a PEM file, in order. Any other block type is an error. */
export function parseCertificatesPem(text: string): ParsedCertificate[] {
  const blocks = decodePem(text, { mode: 'lenient' });
  if (blocks.length === 0) throw new Error('no PEM CERTIFICATE block found');
  return blocks.map((b, i) => {
    if (b.type !== 'CERTIFICATE') throw new Error(`PEM block ${i + 1} is ${b.type}, expected CERTIFICATE`);
    try {
      return parseCertificate(b.bytes);
    } catch (e) {
      throw new Error(`PEM block ${i + 1}: ${(e as Error).message}`, { cause: e });
    }
  });
}

/** Concatenated PEM, in the given order. */
export function certificatesToPem(certs: readonly { readonly der: Uint8Array }[]): string {
  return certs.map((c) => encodePem('CERTIFICATE', c.der)).join('');
}

export function getExtension(cert: ParsedCertificate, oid: string): Extension | undefined {
  return cert.asn1.tbsCertificate.extensions?.find((e) => e.extnID === oid);
}

/** Decodes an extension's extnValue as `type`; throws Error naming the extension when malformed. */
export function decodeExtension<T>(ext: Extension, type: new () => T): T {
  try {
    return AsnConvert.parse(ext.extnValue.buffer, type);
  } catch (e) {
    throw new Error(`malformed extension ${ext.extnID}: ${(e as Error).message}`, { cause: e });
  }
}
