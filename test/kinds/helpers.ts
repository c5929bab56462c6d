/**
 * Test material: keys of every type, signatures made with node:crypto (and @noble/curves for
 * Ed25519ph), X.509 certificates built with @peculiar/asn1-x509 and signed with node:crypto, and raw
 * DER helpers for hand-made malformed inputs.
 */
import crypto, { type KeyObject } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  Certificate,
  Extension,
  Extensions,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { ed25519ph } from '@noble/curves/ed25519.js';
import { p256, p384, p521 } from '@noble/curves/nist.js';
import { encodePem } from '../../src/encoding/pem.ts';
import type { HashAlg } from '../../src/crypto/verify.ts';

export type KeySpec = 'P-224' | 'P-256' | 'P-384' | 'P-521' | 'ed25519' | 'rsa-1024' | 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'rsa-2040';

export interface TestKey {
  readonly spec: KeySpec;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly spkiDer: Buffer;
  readonly pem: string;
}

const keyCache = new Map<KeySpec, TestKey>();

/** One key per spec for the whole run (RSA 4096 generation is slow). */
export function testKey(spec: KeySpec): TestKey {
  const hit = keyCache.get(spec);
  if (hit) return hit;
  let pair: { privateKey: KeyObject; publicKey: KeyObject };
  if (spec === 'ed25519') pair = crypto.generateKeyPairSync('ed25519');
  else if (spec.startsWith('rsa-')) pair = crypto.generateKeyPairSync('rsa', { modulusLength: Number(spec.slice(4)) });
  else pair = crypto.generateKeyPairSync('ec', { namedCurve: spec });
  const spkiDer = pair.publicKey.export({ type: 'spki', format: 'der' });
  const k = { spec, ...pair, spkiDer, pem: encodePem('PUBLIC KEY', spkiDer) };
  keyCache.set(spec, k);
  return k;
}

export const b64 = (b: Uint8Array | string) => Buffer.from(b).toString('base64');

/** A signature over sha(message) as hashedrekord clients produce it. */
export function signForDigest(key: TestKey, hash: HashAlg, message: Uint8Array): Buffer {
  if (key.spec === 'ed25519') {
    const seed = key.privateKey.export({ type: 'pkcs8', format: 'der' }).subarray(16);
    if (hash !== 'sha512') throw new Error('Ed25519ph signs SHA-512 digests');
    return Buffer.from(ed25519ph.sign(message, seed)); // noble hashes with SHA-512 itself
  }
  return crypto.sign(hash, message, key.privateKey);
}

/** Pure signature over the message (DSSE/rekord clients). */
export function signMessage(key: TestKey, message: Uint8Array, hash: HashAlg = 'sha256'): Buffer {
  return crypto.sign(key.spec === 'ed25519' ? null : hash, message, key.privateKey);
}

const CURVE_ORDER: Record<string, bigint> = {
  'P-256': p256.Point.Fn.ORDER,
  'P-384': p384.Point.Fn.ORDER,
  'P-521': p521.Point.Fn.ORDER,
  'P-224': 0xffffffffffffffffffffffffffff16a2e0b8f03e13dd29455c5c2a3dn,
};

// --- raw DER -------------------------------------------------------------------------------------

export function tlv(tag: number, content: Uint8Array): Buffer {
  const n = content.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), content]);
}

export function derInt(v: bigint): Buffer {
  let h = v.toString(16);
  if (h.length % 2) h = '0' + h;
  let b = Buffer.from(h, 'hex');
  if ((b[0] as number) & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

export function parseEcdsaDer(sig: Uint8Array): { r: bigint; s: bigint } {
  const b = Buffer.from(sig);
  let o = 2;
  if ((b[1] as number) & 0x80) o = 2 + ((b[1] as number) & 0x7f);
  const rl = b[o + 1] as number;
  const r = BigInt('0x' + b.subarray(o + 2, o + 2 + rl).toString('hex'));
  o = o + 2 + rl;
  const sl = b[o + 1] as number;
  const s = BigInt('0x' + b.subarray(o + 2, o + 2 + sl).toString('hex'));
  return { r, s };
}

export function ecdsaDer(r: bigint, s: bigint): Buffer {
  return tlv(0x30, Buffer.concat([derInt(r), derInt(s)]));
}

/** The same ECDSA signature with s replaced by n − s (the "high-S" twin; both are valid). */
export function flipS(sig: Uint8Array, curve: string): { sig: Buffer; highS: boolean } {
  const n = CURVE_ORDER[curve] as bigint;
  const { r, s } = parseEcdsaDer(sig);
  const s2 = n - s;
  return { sig: ecdsaDer(r, s2), highS: s2 > n / 2n };
}

export function p1363(sig: Uint8Array, curve: string): Buffer {
  const { r, s } = parseEcdsaDer(sig);
  const len = { 'P-224': 28, 'P-256': 32, 'P-384': 48, 'P-521': 66 }[curve] as number;
  const fix = (v: bigint) => Buffer.from(v.toString(16).padStart(len * 2, '0'), 'hex');
  return Buffer.concat([fix(r), fix(s)]);
}

// --- certificates ----------------------------------------------------------------------------------

export interface CertOptions {
  readonly subjectKey: KeyObject; // public
  readonly issuerKey: KeyObject; // private
  readonly subject?: string;
  readonly issuer?: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly serial?: Buffer;
  readonly ca?: { pathLen?: number } | false;
  readonly san?: Buffer; // DER of GeneralNames
  readonly extraExtensions?: readonly { oid: string; critical: boolean; value: Buffer }[];
}

function name(cn: string): Name {
  return new Name([new RelativeDistinguishedName([new AttributeTypeAndValue({ type: '2.5.4.3', value: new AttributeValue({ utf8String: cn }) })])]);
}

function sigAlgFor(key: KeyObject): AlgorithmIdentifier {
  switch (key.asymmetricKeyType) {
    case 'ec':
      return new AlgorithmIdentifier({ algorithm: '1.2.840.10045.4.3.2' });
    case 'rsa':
      return new AlgorithmIdentifier({ algorithm: '1.2.840.113549.1.1.11', parameters: null });
    case 'ed25519':
      return new AlgorithmIdentifier({ algorithm: '1.3.101.112' });
    default:
      throw new Error('unsupported issuer key');
  }
}

export function buildCert(o: CertOptions): Buffer {
  const exts: Extension[] = [];
  if (o.ca) {
    const bc = tlv(0x30, Buffer.concat([Buffer.from([0x01, 0x01, 0xff]), o.ca.pathLen === undefined ? Buffer.alloc(0) : derInt(BigInt(o.ca.pathLen))]));
    exts.push(new Extension({ extnID: '2.5.29.19', critical: true, extnValue: new OctetString(bc) }));
    exts.push(new Extension({ extnID: '2.5.29.15', critical: true, extnValue: new OctetString(Buffer.from('03020106', 'hex')) }));
  } else {
    exts.push(new Extension({ extnID: '2.5.29.15', critical: true, extnValue: new OctetString(Buffer.from('03020780', 'hex')) }));
  }
  if (o.san) exts.push(new Extension({ extnID: '2.5.29.17', critical: true, extnValue: new OctetString(o.san) }));
  for (const e of o.extraExtensions ?? []) exts.push(new Extension({ extnID: e.oid, critical: e.critical, extnValue: new OctetString(e.value) }));
  const alg = sigAlgFor(o.issuerKey);
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(o.serial ?? Buffer.from([0x01, ...crypto.randomBytes(15)])).buffer,
    signature: alg,
    issuer: name(o.issuer ?? 'test issuer'),
    validity: new Validity({ notBefore: o.notBefore ?? new Date('2024-01-01T00:00:00Z'), notAfter: o.notAfter ?? new Date('2034-01-01T00:00:00Z') }),
    subject: name(o.subject ?? 'test subject'),
    subjectPublicKeyInfo: AsnConvert.parse(o.subjectKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo),
    extensions: new Extensions(exts),
  });
  const tbsDer = Buffer.from(AsnConvert.serialize(tbs));
  const signature = crypto.sign(o.issuerKey.asymmetricKeyType === 'ed25519' ? null : 'sha256', tbsDer, o.issuerKey);
  const cert = new Certificate({ tbsCertificate: tbs, signatureAlgorithm: alg, signatureValue: new Uint8Array(signature).buffer });
  return Buffer.from(AsnConvert.serialize(cert));
}

export const certPem = (der: Uint8Array) => encodePem('CERTIFICATE', der);

/** GeneralNames DER: emails [1], DNS [2], URIs [6], IPs [7] (raw bytes), sigstore otherName [0]. */
export function sanDer(names: { emails?: string[]; dns?: string[]; uris?: string[]; ips?: Buffer[]; otherNames?: string[]; otherNameOid?: string }): Buffer {
  const parts: Buffer[] = [];
  for (const e of names.emails ?? []) parts.push(tlv(0x81, Buffer.from(e, 'latin1')));
  for (const d of names.dns ?? []) parts.push(tlv(0x82, Buffer.from(d, 'latin1')));
  for (const u of names.uris ?? []) parts.push(tlv(0x86, Buffer.from(u, 'latin1')));
  for (const ip of names.ips ?? []) parts.push(tlv(0x87, ip));
  for (const on of names.otherNames ?? []) {
    const oid = oidDer(names.otherNameOid ?? '1.3.6.1.4.1.57264.1.7');
    parts.push(tlv(0xa0, Buffer.concat([oid, tlv(0xa0, tlv(0x0c, Buffer.from(on, 'utf8')))])));
  }
  return tlv(0x30, Buffer.concat(parts));
}

export function oidDer(oid: string): Buffer {
  const parts = oid.split('.').map(Number);
  const out: number[] = [(parts[0] as number) * 40 + (parts[1] as number)];
  for (const p of parts.slice(2)) {
    const bytes: number[] = [];
    let v = p;
    do {
      bytes.unshift(v & 0x7f);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < bytes.length - 1; i++) bytes[i] = (bytes[i] as number) | 0x80;
    out.push(...bytes);
  }
  return tlv(0x06, Buffer.from(out));
}

/** A proposed hashedrekord entry, as sigstore clients send it. */
export function hashedrekord(keyPem: string, sig: Uint8Array, hash: HashAlg, digestHex: string): Record<string, unknown> {
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: { data: { hash: { algorithm: hash, value: digestHex } }, signature: { content: b64(sig), publicKey: { content: b64(keyPem) } } },
  };
}

export const digestHex = (hash: HashAlg, m: Uint8Array) => crypto.createHash(hash).update(m).digest('hex');
export const leafHash = (body: Uint8Array) => crypto.createHash('sha256').update(Buffer.from([0])).update(body).digest('hex');
