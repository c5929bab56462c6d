/**
 * The CA's RFC 6962 certificate-transparency log, on the shared log engine: its own tree
 * (purpose 'ct', no SETs), the same sequencer, tiles and storage as the Rekor log.
 *
 * A leaf is the TLS MerkleTreeLeaf (leaf.ts), stored as the entry body exactly as hashed; its
 * extra_data (the submitted chain) is stored beside it, unhashed (entries.extra_data); the entry
 * type is the kind.
 *
 * Only this CA's certificates are accepted: a submitted chain's first certificate must be issued
 * and signed by the CA's issuing certificate, and the rest must be (a prefix of) the CA chain.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, Extensions } from '@peculiar/asn1-x509';
import type { Signer } from '../crypto/signer.ts';
import { ProvenantError } from '../errors.ts';
import type { TransparencyLog } from '../log/log.ts';
import { assertNotBehind } from '../log/sign-guard.ts';
import type { Clock } from '../log/types.ts';
import { type Certificate as CaCertificate, parseCertificate } from '../x509/certificate.ts';
import {
  decodeMerkleTreeLeaf,
  encodeMerkleTreeLeaf,
  encodePrecertChainExtraData,
  encodeX509ChainExtraData,
  type SignedEntry,
  type TimestampedEntry,
} from './leaf.ts';
import { digitallySign, type SignedCertificateTimestamp, signSct, treeHeadSignatureInput } from './sct.ts';

/** RFC 6962 §3.1: the critical poison extension of a precertificate, value ASN.1 NULL. */
export const CT_POISON_OID = '1.3.6.1.4.1.11129.2.4.3';
/** RFC 6962 §3.3: the embedded SCT list extension. */
export const CT_SCT_LIST_OID = '1.3.6.1.4.1.11129.2.4.2';
const ASN1_NULL = Uint8Array.of(0x05, 0x00);

/** Most entries one get-entries call returns (clients page with start/end). */
export const MAX_GET_ENTRIES = 256;
/** Most certificates in a submitted chain. */
export const MAX_SUBMITTED_CHAIN = 10;

export interface SignedTreeHead {
  readonly treeSize: bigint;
  /** Milliseconds since the epoch. */
  readonly timestamp: bigint;
  readonly rootHash: Uint8Array;
  /** TLS DigitallySigned over the TreeHeadSignature. */
  readonly signature: Uint8Array;
}

export interface CtLogEntry {
  readonly leafInput: Uint8Array;
  readonly extraData: Uint8Array;
}

export interface CertificateTransparencyLogOptions {
  /** A tree opened with purpose 'ct', signSets false, and the CT log key as its signer. */
  readonly log: TransparencyLog;
  readonly clock: Clock;
  /** The only accepted chain: the issuing CA certificate first, the root last. */
  readonly chain: readonly CaCertificate[];
}

export class CertificateTransparencyLog {
  readonly #log: TransparencyLog;
  readonly #clock: Clock;
  readonly #chain: readonly CaCertificate[];
  readonly #chainDer: readonly Uint8Array[];
  readonly #issuerKeyHash: Uint8Array;
  #sth: SignedTreeHead | undefined;

  constructor(o: CertificateTransparencyLogOptions) {
    if (o.chain.length === 0) throw new Error('the CT log needs the CA chain it accepts');
    this.#log = o.log;
    this.#clock = o.clock;
    this.#chain = o.chain;
    this.#chainDer = o.chain.map((c) => c.der);
    // PreCert.issuer_key_hash: SHA-256 of the issuer's DER SubjectPublicKeyInfo (§3.2).
    this.#issuerKeyHash = sha256(new Uint8Array(o.chain[0]!.publicKey.export({ type: 'spki', format: 'der' })));
  }

  get signer(): Signer {
    return this.#log.signer;
  }
  /** SHA-256 of the log key's SPKI: the SCT's LogID and the trusted root's ctlogs[].logId. */
  get logId(): Uint8Array {
    return new Uint8Array(Buffer.from(this.#log.signer.logId, 'hex'));
  }
  get size(): bigint {
    return this.#log.size;
  }
  get transparencyLog(): TransparencyLog {
    return this.#log;
  }

  /** DER of the accepted roots (get-roots). */
  roots(): Uint8Array[] {
    return [this.#chainDer[this.#chainDer.length - 1]!];
  }

  /**
   * Logs a precertificate this CA has just issued. The caller vouches for the inputs (no
   * re-verification): `tbsCertificate` is the DER TBSCertificate without the poison extension,
   * `precertificate` the signed precertificate. Resolves only after the entry is durably committed.
   */
  async logIssuedPrecertificate(p: { precertificate: Uint8Array; tbsCertificate: Uint8Array }): Promise<SignedCertificateTimestamp> {
    const entry: SignedEntry = { type: 'precert_entry', issuerKeyHash: this.#issuerKeyHash, tbsCertificate: p.tbsCertificate };
    return this.#append(entry, encodePrecertChainExtraData(p.precertificate, this.#chainDer), p.precertificate, false);
  }

  /** add-pre-chain (§4.2): `chain` is attacker-controlled DER, precertificate first. */
  async addPreChain(chain: readonly Uint8Array[]): Promise<SignedCertificateTimestamp> {
    const { leaf, asn1 } = this.#checkChain(chain, 'precert');
    // §3.2: the signed TBS is the precertificate's without the poison extension. `asn1` was parsed
    // from the submission just now, so it is ours to modify.
    const tbs = asn1.tbsCertificate;
    tbs.extensions = new Extensions((tbs.extensions ?? []).filter((e) => e.extnID !== CT_POISON_OID));
    const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
    const entry: SignedEntry = { type: 'precert_entry', issuerKeyHash: this.#issuerKeyHash, tbsCertificate: tbsDer };
    return this.#append(entry, encodePrecertChainExtraData(leaf, this.#chainDer), leaf, true);
  }

  /** add-chain (§4.1): `chain` is attacker-controlled DER, the certificate first. */
  async addChain(chain: readonly Uint8Array[]): Promise<SignedCertificateTimestamp> {
    const { leaf } = this.#checkChain(chain, 'final');
    return this.#append({ type: 'x509_entry', certificate: leaf }, encodeX509ChainExtraData(this.#chainDer), leaf, true);
  }

  async #append(entry: SignedEntry, extraData: Uint8Array, submitted: Uint8Array, dedupe: boolean): Promise<SignedCertificateTimestamp> {
    const indexKey = `ct:sha256:${Buffer.from(sha256(submitted)).toString('hex')}`;
    if (dedupe) {
      // A resubmission gets an SCT for the entry already logged (RFC 6962 logs answer with the same
      // timestamp), not a second entry.
      const existing = await this.#findByKey(indexKey);
      if (existing) return signSct(this.signer, existing);
    }
    const te: TimestampedEntry = { timestamp: BigInt(this.#clock.now().getTime()), entry, extensions: new Uint8Array(0) };
    await this.#log.append({ body: encodeMerkleTreeLeaf(te), kind: entry.type, extraData, indexKeys: [indexKey] });
    // Committed: the SCT is a promise we can now keep.
    return signSct(this.signer, te);
  }

  async #findByKey(key: string): Promise<TimestampedEntry | undefined> {
    const store = this.#log.store;
    const [index] = await store.searchIndex(this.#log.treeId, [[key]], 'or', 1);
    if (index === undefined || index >= this.#log.size) return undefined;
    const [row] = await store.entriesByIndex(this.#log.treeId, [index]);
    return row ? decodeMerkleTreeLeaf(row.body) : undefined;
  }

  #checkChain(chain: readonly Uint8Array[], want: 'precert' | 'final'): { leaf: Uint8Array; asn1: Certificate } {
    const bad = (m: string) => new ProvenantError('invalid_argument', m);
    if (chain.length === 0) throw bad('chain is empty');
    if (chain.length > MAX_SUBMITTED_CHAIN) throw bad(`chain has more than ${MAX_SUBMITTED_CHAIN} certificates`);
    const rest = chain.slice(1);
    if (rest.length > this.#chainDer.length || rest.some((c, i) => !Buffer.from(c).equals(this.#chainDer[i]!))) {
      throw bad('chain does not end in an accepted root: this log only accepts certificates issued by its own CA');
    }
    const leaf = chain[0]!;
    // Attacker-controlled: the one strict DER certificate reader first (definite minimal lengths, no
    // BER, no trailing data, bounded nesting, key type and size), so a BER re-encoding of an issued
    // certificate is never logged as a second entry; then the @peculiar and OpenSSL views of it.
    let cert: CaCertificate;
    try {
      cert = parseCertificate(leaf);
    } catch (e) {
      if (e instanceof ProvenantError) throw bad(`chain[0] is not a DER certificate: ${e.message}`);
      throw e;
    }
    let x509: X509Certificate;
    let asn1: Certificate;
    try {
      // Parser failures of attacker bytes (OpenSSL, @peculiar) are the client's malformed input.
      x509 = cert.x509;
      asn1 = cert.asn1;
    } catch (e) {
      throw bad(`chain[0] is not a DER certificate: ${(e as Error).message}`);
    }
    const issuer = this.#chain[0]!;
    if (!x509.checkIssued(issuer.x509) || !x509.verify(issuer.publicKey)) {
      throw bad('chain[0] was not issued by this log\'s CA: this log only accepts certificates issued by its own CA');
    }
    const poison = asn1.tbsCertificate.extensions?.filter((e) => e.extnID === CT_POISON_OID) ?? [];
    if (want === 'precert') {
      if (poison.length !== 1 || !poison[0]!.critical || !Buffer.from(poison[0]!.extnValue.buffer).equals(ASN1_NULL)) {
        throw bad('chain[0] is not a precertificate (it needs exactly one critical poison extension with a NULL value)');
      }
    } else if (poison.length > 0) {
      throw bad('chain[0] is a precertificate; submit it with add-pre-chain');
    }
    return { leaf: new Uint8Array(leaf), asn1 };
  }

  /**
   * The signed tree head for the served checkpoint, signed once per size (get-sth). The heads it
   * signs are the log's checkpoints, each of which passed the guard before it was signed (never
   * behind or beside one signed before, proven consistent: src/log/sign-guard.ts); so an STH never
   * goes back either. Checked again here, as this is a second signature over the same head: a
   * violation refuses (503) rather than sign it.
   */
  getSth(): SignedTreeHead {
    const cp = this.#log.checkpoint;
    const cached = this.#sth;
    if (cached) {
      assertNotBehind(cp, { size: cached.treeSize, root: cached.rootHash, source: 'the last signed tree head' }, 'the CT log checkpoint');
      if (cached.treeSize === cp.size) return cached;
    }
    // Never earlier than a previous STH, nor than any SCT in the tree (SCT times are taken before
    // their entries are appended, on the same clock).
    const now = BigInt(this.#clock.now().getTime());
    const timestamp = cached && cached.timestamp > now ? cached.timestamp : now;
    const signature = digitallySign(this.signer, treeHeadSignatureInput(timestamp, cp.size, cp.root));
    const sth = Object.freeze({ treeSize: cp.size, timestamp, rootHash: cp.root, signature });
    this.#sth = sth;
    return sth;
  }

  /** get-sth-consistency: requires 0 ≤ first ≤ second ≤ committed size. */
  async consistencyProof(first: bigint, second: bigint): Promise<Uint8Array[]> {
    if (first < 0n || first > second || second > this.#log.size) {
      throw new ProvenantError('invalid_argument', `need 0 <= first <= second <= tree size ${this.#log.size}, got first=${first} second=${second}`);
    }
    return this.#log.consistencyProof(first, second);
  }

  /** get-proof-by-hash: the leaf with this Merkle leaf hash, in the tree of `treeSize`. */
  async proofByHash(leafHash: Uint8Array, treeSize: bigint): Promise<{ leafIndex: bigint; auditPath: Uint8Array[] }> {
    if (leafHash.length !== 32) throw new ProvenantError('invalid_argument', 'hash must be a base64 SHA-256 leaf hash (32 bytes)');
    if (treeSize < 1n || treeSize > this.#log.size) {
      throw new ProvenantError('invalid_argument', `tree_size must be between 1 and ${this.#log.size}, got ${treeSize}`);
    }
    const [row] = await this.#log.store.entriesByLeafHash(this.#log.treeId, [leafHash]);
    if (!row || row.leafIndex >= treeSize) throw new ProvenantError('not_found', `no leaf with this hash in the tree of size ${treeSize}`);
    return { leafIndex: row.leafIndex, auditPath: await this.#log.inclusionProof(row.leafIndex, treeSize) };
  }

  /** get-entries: [start, end] inclusive, at most MAX_GET_ENTRIES, clipped to the tree size. */
  async getEntries(start: bigint, end: bigint): Promise<CtLogEntry[]> {
    const size = this.#log.size;
    if (start < 0n || end < start) throw new ProvenantError('invalid_argument', `need 0 <= start <= end, got start=${start} end=${end}`);
    if (start >= size) throw new ProvenantError('invalid_argument', `start ${start} is beyond the tree size ${size}`);
    let last = end < size - 1n ? end : size - 1n;
    if (last - start + 1n > BigInt(MAX_GET_ENTRIES)) last = start + BigInt(MAX_GET_ENTRIES) - 1n;
    const indices: bigint[] = [];
    for (let i = start; i <= last; i++) indices.push(i);
    const rows = await this.#log.store.entriesByIndex(this.#log.treeId, indices);
    const byIndex = new Map(rows.map((r) => [r.leafIndex as bigint, r]));
    return indices.map((i) => {
      const r = byIndex.get(i);
      // Signed but not in storage: storage is behind what this server signed (sign-guard.ts).
      if (!r) throw new ProvenantError('unavailable', `CT entry ${i} is missing from storage: storage is behind the tree this server signed`, { retryAfterSeconds: 1 });
      if (!r.extraData) throw new ProvenantError('internal', `CT entry ${i} has no extra_data`);
      return { leafInput: r.body, extraData: r.extraData };
    });
  }
}

/** Opens nothing: a convenience for the composition root and tests. */
export function createCertificateTransparencyLog(o: CertificateTransparencyLogOptions): CertificateTransparencyLog {
  return new CertificateTransparencyLog(o);
}

function sha256(b: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(b).digest());
}
