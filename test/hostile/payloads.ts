/**
 * Attacker inputs for the hostile-input layer, and the valid requests they are derived from.
 * Sizes are named constants: each is what stalls the current code for a few seconds (so a failing
 * case ends), while a fixed, linear-time implementation answers the same input within the bounds.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { MessageImprint, TimeStampReq } from '@peculiar/asn1-tsp';
import { AlgorithmIdentifier } from '@peculiar/asn1-x509';
import { pae } from '../../src/log/kinds/dsse-envelope.ts';
import { b64, buildCert, certPem, signMessage, testKey } from '../kinds/helpers.ts';

// --- JSON ------------------------------------------------------------------------------------------

/** `[[[…]]]`, `depth` deep: the shape that overflowed the stack (issue 10, defect 8). */
export const deepArray = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
/** `{"a":{"a":…1…}}`, `depth` deep. */
export const deepObject = (depth: number, key = 'a'): string => `{"${key}":`.repeat(depth) + '1' + '}'.repeat(depth);
/** The deepest `deepArray` that fits a body limit (at most 100k, the example). */
export const depthFor = (bodyLimit: number): number => Math.min(100_000, Math.floor((bodyLimit - 256) / 2));
/** `depthFor` for `deepObject` (6 bytes per level). */
export const objectDepthFor = (bodyLimit: number): number => Math.min(100_000, Math.floor((bodyLimit - 256) / 6));

/** Numbers that are not what a decoder expects: negative, beyond 2^53/2^63/2^64, non-finite, hex. */
export const BAD_NUMBERS_JSON = ['-1', '18446744073709551616', '9223372036854775808', '1e999', '1.5', '1e2', '-0', '"0x10"', 'null', '[]'];
/** The same as query-string values. */
export const BAD_NUMBERS_QUERY = ['-1', '18446744073709551616', '9223372036854775808', '1e999', '0x10', '1.5', '', '1'.repeat(4000)];

// --- DER ------------------------------------------------------------------------------------------

/** SEQUENCE nested `depth` deep, definite minimal lengths (X.690 §10.1). Linear in the output. */
export function derNested(depth: number, inner: Uint8Array = Uint8Array.of(0x05, 0x00)): Buffer {
  const headers: Buffer[] = [];
  let len = inner.length;
  for (let i = 0; i < depth; i++) {
    const h = derHeader(0x30, len);
    headers.push(h);
    len += h.length;
  }
  return Buffer.concat([...headers.reverse(), inner]);
}

function derHeader(tag: number, n: number): Buffer {
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.from([tag, ...len]);
}

/** TLV with any content length (up to 4 length octets). */
export function derTlv(tag: number, content: Uint8Array): Buffer {
  return Buffer.concat([derHeader(tag, content.length), content]);
}

/** BER indefinite-length SEQUENCEs nested `depth` deep (0x30 0x80 … 0x00 0x00), refused by DER. */
export const derIndefinite = (depth: number): Buffer => Buffer.concat([Buffer.alloc(depth * 2, Buffer.of(0x30, 0x80)), Buffer.alloc(depth * 2, 0)]);

/** Malformed DER around a valid element `valid`, each named. */
export function derGarbage(valid: Uint8Array): [string, Buffer][] {
  const v = Buffer.from(valid);
  return [
    ['empty', Buffer.alloc(0)],
    ['truncated to half', v.subarray(0, v.length >> 1)],
    ['truncated by one byte', v.subarray(0, v.length - 1)],
    ['trailing byte', Buffer.concat([v, Buffer.of(0)])],
    ['indefinite length', Buffer.concat([Buffer.of(0x30, 0x80), v.subarray(2 + lengthOctets(v)), Buffer.of(0, 0)])],
    ['indefinite nesting 1000 deep', derIndefinite(1000)],
    ['nesting 1000 deep', derNested(1000)],
    ['length in 5 octets', Buffer.concat([Buffer.of(0x30, 0x85, 0, 0, 0, 0, 4), Buffer.alloc(4)])],
    ['length claims 4 GiB', Buffer.concat([Buffer.of(0x30, 0x84, 0xff, 0xff, 0xff, 0xff), Buffer.alloc(16)])],
    ['non-minimal length (4 octets)', nonMinimalLength(v)],
    ['multi-octet tag', Buffer.of(0x3f, 0x81, 0x80, 0x01, 0x00)],
    ['random bytes', randomBytes(512)],
  ];
}

/** The names of derGarbage's inputs, in order. */
export const DER_GARBAGE: readonly string[] = derGarbage(derNested(2)).map(([n]) => n);

function lengthOctets(der: Uint8Array): number {
  const l = der[1]!;
  return l & 0x80 ? l & 0x7f : 0;
}

function nonMinimalLength(der: Buffer): Buffer {
  const content = der.subarray(2 + lengthOctets(der));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(content.length);
  return Buffer.concat([Buffer.of(der[0]!, 0x84), len, content]);
}

// --- PEM ------------------------------------------------------------------------------------------

/**
 * Whitespace run that does not reach the end of the input: the quadratic backtracking of the PEM
 * trimming regex (issue 10, defect 3). The body limits allow up to 1 MiB (minutes today), which a
 * linear decoder answers at once; the cases use what fails today within seconds: 40 KiB blocks the
 * event loop ≈ 0.6–1.5 s (over twice the /healthz bound), 64 KiB ≈ 2–4 s (over the answer bound,
 * for the path that decodes on a worker thread).
 */
export const PEM_WHITESPACE_RUN = 40 * 1024;
export const PEM_WHITESPACE_RUN_WORKER = 64 * 1024;
export const pemWhitespace = (run = PEM_WHITESPACE_RUN): string => `-----BEGIN PUBLIC KEY-----\n${' '.repeat(run)}x\n-----END PUBLIC KEY-----\n`;
/** Whitespace between the body and a missing END line. */
export const pemWhitespaceTail = (pem: string, run = PEM_WHITESPACE_RUN): string => pem.replace(/-----END[^\n]*\n?$/, '') + '\t'.repeat(run) + 'x';
/** `n` BEGIN lines and no END line. */
export const pemManyBegins = (n: number): string => '-----BEGIN CERTIFICATE-----\n'.repeat(n);
/** `n` empty blocks (more than any chain allows). */
export const pemManyBlocks = (n: number): string => '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n'.repeat(n);

/** PEM-wrapped bytes with an arbitrary label. */
export const pemOf = (label: string, der: Uint8Array): string => `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END ${label}-----\n`;

// --- certificate chains ----------------------------------------------------------------------------

/**
 * Exponential chain search (issue 10, defect 2): a leaf, `copies` copies of one self-signed
 * CA:TRUE intermediate that issued it, and an unrelated root. A depth-first search without
 * deduplication or a signature-check budget tries every ordering of the copies. 7 copies took
 * 3.3 s on P-256 (the review), 6 copies ≈ 0.5–1.5 s (over twice the /healthz bound when it
 * blocks the event loop); each further copy multiplies by the copy count. 8 copies (minutes today)
 * fit the 10-certificate limit.
 */
export const CHAIN_COPIES = 6;
export const CHAIN_COPIES_WORKER = 7;
export function chainSearchPem(copies = CHAIN_COPIES): string {
  const ik = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const rk = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const leafKey = testKey('P-256');
  const intermediate = buildCert({ subjectKey: ik.publicKey, issuerKey: ik.privateKey, subject: 'loop', issuer: 'loop', ca: {} });
  const leaf = buildCert({ subjectKey: leafKey.publicKey, issuerKey: ik.privateKey, subject: 'leaf', issuer: 'loop' });
  const root = buildCert({ subjectKey: rk.publicKey, issuerKey: rk.privateKey, subject: 'unrelated root', issuer: 'unrelated root', ca: {} });
  return [leaf, ...Array.from({ length: copies }, () => intermediate), root].map(certPem).join('');
}

// --- Rekor entries --------------------------------------------------------------------------------

const DSSE_KEY = () => testKey('P-256');
/** ECDSA signature r = 1, s = 1: inside the range check, so each one costs a full verification. */
const JUNK_SIG = b64(Buffer.from('3006020101020101', 'hex'));

/** A valid dsse 0.0.1 entry (fresh payload) for `key`. */
export function validDsse(payload: Buffer = randomBytes(16)): Record<string, unknown> {
  const k = DSSE_KEY();
  const env = { payload: b64(payload), payloadType: 'text/plain', signatures: [{ keyid: '', sig: b64(signMessage(k, pae('text/plain', payload))) }] };
  return { apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope: JSON.stringify(env), verifiers: [b64(k.pem)] } } };
}

/**
 * Unbounded verification work (issue 10, defect 1): `verifiers` copies of one verifier and
 * `junk` junk signatures before one valid signature cost verifiers × junk ECDSA verifications
 * (≈ 50–100 µs each). ≈ 30 KB blocked the event loop for 3.6 s in the review. 30 × 400 blocks
 * it ≈ 0.7–1.5 s today; 40 × 500 keeps a worker ≈ 2–4 s.
 */
export const DSSE_VERIFIERS = 30;
export const DSSE_JUNK = 400;
export const DSSE_VERIFIERS_WORKER = 40;
export const DSSE_JUNK_WORKER = 500;
export function dsseBudgetEntry(verifiers = DSSE_VERIFIERS, junk = DSSE_JUNK): Record<string, unknown> {
  const k = DSSE_KEY();
  const payload = randomBytes(16);
  const valid = b64(signMessage(k, pae('text/plain', payload)));
  const env = { payload: b64(payload), payloadType: 'text/plain', signatures: [...Array.from({ length: junk }, () => ({ sig: JUNK_SIG })), { sig: valid }] };
  return { apiVersion: '0.0.1', kind: 'dsse', spec: { proposedContent: { envelope: JSON.stringify(env), verifiers: Array.from({ length: verifiers }, () => b64(k.pem)) } } };
}

/** The same shape in intoto 0.0.2: `n` signature items each carrying the key; n² verifications. */
export const INTOTO_ITEMS = 110;
export const INTOTO_ITEMS_WORKER = 150;
export function intotoBudgetEntry(n = INTOTO_ITEMS): Record<string, unknown> {
  const k = DSSE_KEY();
  const payload = randomBytes(16);
  const valid = signMessage(k, pae('text/plain', payload)).toString('base64');
  const sig = (s: string) => ({ sig: b64(s), publicKey: b64(k.pem) });
  return {
    apiVersion: '0.0.2',
    kind: 'intoto',
    spec: {
      content: {
        envelope: { payloadType: 'text/plain', payload: b64(payload.toString('base64')), signatures: [...Array.from({ length: n - 1 }, () => sig(Buffer.from('3006020101020101', 'hex').toString('base64'))), sig(valid)] },
        hash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') },
      },
    },
  };
}

/** A hashedrekord entry whose key field holds `pem` (the signature is irrelevant: it fails before). */
export function hashedrekordWithKey(pem: string | Uint8Array): Record<string, unknown> {
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: { data: { hash: { algorithm: 'sha256', value: 'ab'.repeat(32) } }, signature: { content: b64('sig'), publicKey: { content: b64(pem) } } },
  };
}

// --- TSA --------------------------------------------------------------------------------------------

const SHA256_OID = '2.16.840.1.101.3.4.2.1';
export function timestampReqDer(digest: Uint8Array = randomBytes(32)): Uint8Array {
  const req = new TimeStampReq({
    messageImprint: new MessageImprint({ hashAlgorithm: new AlgorithmIdentifier({ algorithm: SHA256_OID }), hashedMessage: new OctetString(digest) }),
    certReq: true,
  });
  return new Uint8Array(AsnConvert.serialize(req));
}
export const timestampJson = (digest: Uint8Array = randomBytes(32)) => ({ artifactHash: b64(digest), hashAlgorithm: 'sha256' });

