import { AsnConvert } from '@peculiar/asn1-schema';
import { TimeStampReq } from '@peculiar/asn1-tsp';
import { ProvenantError } from '../errors.ts';
import { HASH_LENGTHS, type HashName, hashNameForOid } from '../x509/algorithms.ts';
import { integerBytesToBigInt, isMinimalInteger } from '../encoding/integer.ts';

/** A validated timestamp request, from either wire form. Everything in it is attacker-controlled. */
export interface TimestampRequest {
  readonly hashAlgorithm: HashName;
  /**
   * How the request encoded the hash AlgorithmIdentifier parameters; the token echoes it, because
   * RFC 3161 §2.4.2 wants the TSTInfo messageImprint to equal the request's.
   */
  readonly hashParameters: 'null' | 'absent';
  /** Length already checked against hashAlgorithm. */
  readonly hashedMessage: Uint8Array;
  readonly nonce: bigint | undefined;
  readonly certReq: boolean;
  /** Requested policy OID, not yet checked against the TSA's accepted list. */
  readonly policy: string | undefined;
}

/** OIDs that are recognised but refused as too weak (Sigstore: "Weak hash algorithm"). */
const WEAK_HASH_OIDS: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'SHA-1',
  '1.2.840.113549.2.5': 'MD5',
  '1.2.840.113549.2.2': 'MD2',
};

export function invalid(message: string, cause?: unknown): ProvenantError {
  return new ProvenantError('invalid_argument', message, cause === undefined ? {} : { cause });
}

/** Checks the imprint; shared by both wire forms. */
export function checkImprint(hash: HashName, hashedMessage: Uint8Array): void {
  const want = HASH_LENGTHS[hash];
  if (hashedMessage.length !== want) {
    throw invalid(`Message digest has incorrect length for specified algorithm: ${hash} needs ${want} bytes, got ${hashedMessage.length}`);
  }
}

export function hashForOid(oid: string): HashName {
  const weak = WEAK_HASH_OIDS[oid];
  if (weak !== undefined) throw invalid(`Weak hash algorithm in timestamp request: ${weak} is not accepted; use SHA-256, SHA-384 or SHA-512`);
  const hash = hashNameForOid(oid);
  if (hash === undefined) throw invalid(`unsupported hash algorithm ${oid}; use SHA-256, SHA-384 or SHA-512`);
  return hash;
}

/**
 * Parses a DER TimeStampReq (RFC 3161 §2.4.1):
 * ```asn1
 * TimeStampReq ::= SEQUENCE  {
 *    version                      INTEGER  { v1(1) },
 *    messageImprint               MessageImprint,
 *    reqPolicy             TSAPolicyId              OPTIONAL,
 *    nonce                 INTEGER                  OPTIONAL,
 *    certReq               BOOLEAN                  DEFAULT FALSE,
 *    extensions            [0] IMPLICIT Extensions  OPTIONAL  }
 * ```
 * Strict DER: re-encoding the parsed value must give back the input exactly, which rejects
 * trailing bytes, indefinite or non-minimal lengths and encoded DEFAULT values; INTEGERs must be
 * minimal. Extensions are refused (we support none; Sigstore refuses them by default too).
 * Throws ProvenantError('invalid_argument').
 */
export function parseTimeStampReq(der: Uint8Array): TimestampRequest {
  const input = new Uint8Array(der); // own copy: fastify bodies may be views into a shared pool
  if (input.length === 0) throw invalid('empty timestamp request');
  let req: TimeStampReq;
  let reencoded: Uint8Array;
  try {
    req = AsnConvert.parse(input, TimeStampReq);
    reencoded = new Uint8Array(AsnConvert.serialize(req));
  } catch (e) {
    throw invalid(`malformed TimeStampReq: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  if (!sameBytes(reencoded, input)) {
    if (reencoded.length < input.length && sameBytes(reencoded, input.subarray(0, reencoded.length))) {
      throw invalid(`TimeStampReq is followed by ${input.length - reencoded.length} bytes of trailing data`);
    }
    throw invalid('TimeStampReq is not DER-encoded');
  }
  if (req.version !== 1) throw invalid(`unsupported TimeStampReq version ${req.version}`);

  const alg = req.messageImprint.hashAlgorithm;
  const hashAlgorithm = hashForOid(alg.algorithm);
  if (alg.parameters !== undefined && alg.parameters !== null) {
    throw invalid('hash AlgorithmIdentifier parameters must be NULL or absent');
  }
  const hashedMessage = new Uint8Array(req.messageImprint.hashedMessage.buffer);
  checkImprint(hashAlgorithm, hashedMessage);

  let nonce: bigint | undefined;
  if (req.nonce !== undefined) {
    const bytes = new Uint8Array(req.nonce);
    if (!isMinimalInteger(bytes)) throw invalid('nonce is not a minimally encoded INTEGER');
    nonce = integerBytesToBigInt(bytes);
  }
  if (req.extensions !== undefined) {
    const ids = req.extensions.map((e) => e.extnID).join(', ') || 'an empty list';
    throw invalid(`unaccepted extension: requested extensions are not supported by the TSA (${ids})`);
  }
  return {
    hashAlgorithm,
    hashParameters: alg.parameters === null ? 'null' : 'absent',
    hashedMessage,
    nonce,
    certReq: req.certReq,
    policy: req.reqPolicy,
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}
