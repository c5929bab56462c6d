/**
 * RFC 6962 §3.4 log entries: the MerkleTreeLeaf that is hashed into the tree (leaf_input of
 * get-entries) and the extra_data served next to it.
 *
 *   enum { x509_entry(0), precert_entry(1), (65535) } LogEntryType;
 *   opaque ASN.1Cert<1..2^24-1>;
 *   struct { opaque issuer_key_hash[32]; TBSCertificate tbs_certificate; } PreCert;   // TBSCertificate = opaque<1..2^24-1>
 *   opaque CtExtensions<0..2^16-1>;
 *
 *   struct {
 *       uint64 timestamp;
 *       LogEntryType entry_type;
 *       select(entry_type) {
 *           case x509_entry: ASN.1Cert;
 *           case precert_entry: PreCert;
 *       } signed_entry;
 *       CtExtensions extensions;
 *   } TimestampedEntry;
 *
 *   struct {
 *       Version version;                        // v1(0)
 *       MerkleLeafType leaf_type;               // timestamped_entry(0)
 *       select (leaf_type) { case timestamped_entry: TimestampedEntry; }
 *   } MerkleTreeLeaf;
 *
 * extra_data (§4.6): for x509_entry, `ASN.1Cert certificate_chain<0..2^24-1>`; for precert_entry,
 *   struct { ASN.1Cert pre_certificate; ASN.1Cert precertificate_chain<0..2^24-1>; } PrecertChainEntry;
 */
import { TlsReader, TlsWriter } from './tls.ts';

export const LOG_ENTRY_TYPE = Object.freeze({ x509_entry: 0, precert_entry: 1 });

export type SignedEntry =
  | { readonly type: 'x509_entry'; readonly certificate: Uint8Array }
  | { readonly type: 'precert_entry'; readonly issuerKeyHash: Uint8Array; readonly tbsCertificate: Uint8Array };

export interface TimestampedEntry {
  /** Milliseconds since the epoch, as in the SCT. */
  readonly timestamp: bigint;
  readonly entry: SignedEntry;
  /** CtExtensions; always empty in v1 logs. */
  readonly extensions: Uint8Array;
}

/** The TLS encoding of a TimestampedEntry (also the tail of the SCT's signed data). */
export function encodeTimestampedEntry(e: TimestampedEntry): Uint8Array {
  const w = new TlsWriter().u64(e.timestamp).u16(LOG_ENTRY_TYPE[e.entry.type]);
  writeSignedEntry(w, e.entry);
  return w.vec16(e.extensions).finish();
}

function writeSignedEntry(w: TlsWriter, entry: SignedEntry): void {
  if (entry.type === 'x509_entry') {
    w.vec24(entry.certificate, 1);
  } else {
    if (entry.issuerKeyHash.length !== 32) throw new Error('issuer_key_hash must be 32 bytes');
    w.bytes(entry.issuerKeyHash).vec24(entry.tbsCertificate, 1);
  }
}

/** MerkleTreeLeaf = version v1(0) ‖ leaf_type timestamped_entry(0) ‖ TimestampedEntry. */
export function encodeMerkleTreeLeaf(e: TimestampedEntry): Uint8Array {
  return new TlsWriter().u8(0).u8(0).bytes(encodeTimestampedEntry(e)).finish();
}

/** Parses a MerkleTreeLeaf; throws TlsError/Error on anything malformed or trailing. */
export function decodeMerkleTreeLeaf(leaf: Uint8Array): TimestampedEntry {
  const r = new TlsReader(leaf);
  const version = r.u8();
  const leafType = r.u8();
  if (version !== 0 || leafType !== 0) throw new Error(`unsupported MerkleTreeLeaf version ${version} / leaf type ${leafType}`);
  const timestamp = r.u64();
  const type = r.u16();
  let entry: SignedEntry;
  if (type === LOG_ENTRY_TYPE.x509_entry) {
    entry = { type: 'x509_entry', certificate: r.vec24(1) };
  } else if (type === LOG_ENTRY_TYPE.precert_entry) {
    entry = { type: 'precert_entry', issuerKeyHash: r.bytes(32), tbsCertificate: r.vec24(1) };
  } else {
    throw new Error(`unknown LogEntryType ${type}`);
  }
  const extensions = r.vec16();
  r.end();
  return { timestamp, entry, extensions };
}

/** extra_data of an x509_entry: `ASN.1Cert certificate_chain<0..2^24-1>`. */
export function encodeX509ChainExtraData(chain: readonly Uint8Array[]): Uint8Array {
  return new TlsWriter().vec24(certList(chain)).finish();
}

/** extra_data of a precert_entry: PrecertChainEntry. */
export function encodePrecertChainExtraData(precertificate: Uint8Array, chain: readonly Uint8Array[]): Uint8Array {
  return new TlsWriter().vec24(precertificate, 1).vec24(certList(chain)).finish();
}

function certList(chain: readonly Uint8Array[]): Uint8Array {
  const w = new TlsWriter();
  for (const c of chain) w.vec24(c, 1);
  return w.finish();
}
