/**
 * Signed certificate timestamps and tree head signatures (RFC 6962 §3.2, §3.5), signed with the
 * CT log's key: ECDSA P-256 with SHA-256 (DER signature) or Ed25519.
 *
 *   struct {                                          // RFC 5246 §4.7 digitally-signed
 *       SignatureAndHashAlgorithm algorithm;          // hash(1) ‖ signature(1)
 *       opaque signature<0..2^16-1>;
 *   } DigitallySigned;
 *
 *   digitally-signed struct {                         // what an SCT signs (§3.2)
 *       Version sct_version;                          // v1(0)
 *       SignatureType signature_type = certificate_timestamp;   // 0
 *       uint64 timestamp;
 *       LogEntryType entry_type;
 *       select(entry_type) { case x509_entry: ASN.1Cert; case precert_entry: PreCert; } signed_entry;
 *       CtExtensions extensions;
 *   };                                                // = 00 00 ‖ TimestampedEntry
 *
 *   struct {                                          // the SCT itself
 *       Version sct_version;
 *       LogID id;                                     // opaque key_id[32] = SHA-256(log SPKI DER)
 *       uint64 timestamp;
 *       CtExtensions extensions;
 *       digitally-signed struct { ... } signature;    // DigitallySigned
 *   } SignedCertificateTimestamp;
 *
 *   opaque SerializedSCT<1..2^16-1>;
 *   struct { SerializedSCT sct_list <1..2^16-1>; } SignedCertificateTimestampList;   // §3.3
 */
import type { Signer } from '../crypto/signer.ts';
import { encodeTimestampedEntry, type TimestampedEntry } from './leaf.ts';
import { TlsReader, TlsWriter } from './tls.ts';

/** TLS HashAlgorithm / SignatureAlgorithm codes (RFC 5246 §7.4.1.4.1; Ed25519 per RFC 8446 §4.2.3). */
const SIGNATURE_CODES = Object.freeze({
  'ecdsa-p256-sha256': { hash: 4 /* sha256 */, signature: 3 /* ecdsa */ },
  ed25519: { hash: 8 /* intrinsic */, signature: 7 /* ed25519 */ },
});

export interface SignedCertificateTimestamp {
  readonly version: 0;
  /** SHA-256 of the log's DER SPKI. */
  readonly logId: Uint8Array;
  /** Milliseconds since the epoch. */
  readonly timestamp: bigint;
  readonly extensions: Uint8Array;
  /** The TLS DigitallySigned structure (algorithm bytes + length-prefixed signature). */
  readonly digitallySigned: Uint8Array;
}

/** DigitallySigned over `data` with the log key. */
export function digitallySign(signer: Signer, data: Uint8Array): Uint8Array {
  const codes = SIGNATURE_CODES[signer.algorithm];
  return new TlsWriter().u8(codes.hash).u8(codes.signature).vec16(signer.sign(data)).finish();
}

/** The bytes an SCT signature covers: sct_version v1 ‖ certificate_timestamp ‖ TimestampedEntry. */
export function sctSignedData(entry: TimestampedEntry): Uint8Array {
  return new TlsWriter().u8(0).u8(0).bytes(encodeTimestampedEntry(entry)).finish();
}

export function signSct(signer: Signer, entry: TimestampedEntry): SignedCertificateTimestamp {
  return {
    version: 0,
    logId: new Uint8Array(Buffer.from(signer.logId, 'hex')),
    timestamp: entry.timestamp,
    extensions: entry.extensions,
    digitallySigned: digitallySign(signer, sctSignedData(entry)),
  };
}

/** The TLS encoding of one SCT (a SerializedSCT's content). */
export function encodeSct(sct: SignedCertificateTimestamp): Uint8Array {
  return new TlsWriter().u8(sct.version).bytes(sct.logId).u64(sct.timestamp).vec16(sct.extensions).bytes(sct.digitallySigned).finish();
}

export function decodeSct(bytes: Uint8Array): SignedCertificateTimestamp {
  const r = new TlsReader(bytes);
  const version = r.u8();
  if (version !== 0) throw new Error(`unsupported SCT version ${version}`);
  const logId = r.bytes(32);
  const timestamp = r.u64();
  const extensions = r.vec16();
  const start = bytes.length - r.remaining;
  r.u8();
  r.u8();
  r.vec16();
  r.end();
  return { version: 0, logId, timestamp, extensions, digitallySigned: bytes.subarray(start) };
}

/** SignedCertificateTimestampList (§3.3): the content of the embedded-SCT extension's OCTET STRING. */
export function encodeSctList(scts: readonly SignedCertificateTimestamp[]): Uint8Array {
  if (scts.length === 0) throw new Error('an SCT list holds at least one SCT');
  const inner = new TlsWriter();
  for (const s of scts) inner.vec16(encodeSct(s), 1);
  return new TlsWriter().vec16(inner.finish(), 1).finish();
}

export function decodeSctList(bytes: Uint8Array): SignedCertificateTimestamp[] {
  const r = new TlsReader(bytes);
  const list = new TlsReader(r.vec16(1));
  r.end();
  const out: SignedCertificateTimestamp[] = [];
  while (list.remaining > 0) out.push(decodeSct(list.vec16(1)));
  return out;
}

/** The JSON of add-chain / add-pre-chain (§4.1), also what Fulcio's detached-SCT mode returns. */
export interface AddChainResponse {
  sct_version: 0;
  id: string;
  timestamp: number;
  extensions: string;
  signature: string;
}

export function toAddChainResponse(sct: SignedCertificateTimestamp): AddChainResponse {
  const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
  return { sct_version: 0, id: b64(sct.logId), timestamp: Number(sct.timestamp), extensions: b64(sct.extensions), signature: b64(sct.digitallySigned) };
}

/**
 *   digitally-signed struct {                         // §3.5
 *       Version version;                              // v1(0)
 *       SignatureType signature_type = tree_hash;     // 1
 *       uint64 timestamp;
 *       uint64 tree_size;
 *       opaque sha256_root_hash[32];
 *   } TreeHeadSignature;
 */
export function treeHeadSignatureInput(timestamp: bigint, treeSize: bigint, rootHash: Uint8Array): Uint8Array {
  if (rootHash.length !== 32) throw new Error('sha256_root_hash must be 32 bytes');
  return new TlsWriter().u8(0).u8(1).u64(timestamp).u64(treeSize).bytes(rootHash).finish();
}
