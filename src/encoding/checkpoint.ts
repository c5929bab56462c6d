/**
 * Signed checkpoints in the Rekor v1 signed-note format (c2sp.org/signed-note with Rekor's origin):
 *
 *   <name> - <treeID>\n          origin
 *   <size>\n
 *   <base64 root>\n
 *   [other content lines\n]
 *   \n
 *   — <name> <base64(keyHint[4] || signature)>\n
 *
 * The signature covers every line before the blank line, each with its newline. keyHint is the
 * first 4 bytes of SHA-256 over the key's DER SPKI (Rekor v1 uses this for every key type).
 */
import { createHash } from 'node:crypto';

const EM_DASH = '\u2014';
const MAX_NOTE_BYTES = 1 << 20;

export interface CheckpointBody {
  origin: string;
  size: bigint;
  rootHash: Uint8Array;
  otherContent?: readonly string[];
}

export interface NoteSignature {
  name: string;
  keyHint: Uint8Array;
  signature: Uint8Array;
}

export interface ParsedCheckpoint extends CheckpointBody {
  /** The exact signed text (lines before the blank line, each with "\n"). */
  body: string;
  signatures: NoteSignature[];
  otherContent: string[];
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export function keyHint(spkiDer: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(spkiDer).digest().subarray(0, 4));
}

export function formatCheckpointBody(c: CheckpointBody): string {
  if (c.size < 0n) throw new CheckpointError('negative size');
  if (c.rootHash.length !== 32) throw new CheckpointError('root hash must be 32 bytes');
  if (c.origin.length === 0 || /[\n\r]/.test(c.origin)) throw new CheckpointError('origin must be one non-empty line');
  const other = (c.otherContent ?? []).map((l) => {
    if (l.length === 0 || /[\n\r]/.test(l)) throw new CheckpointError('other content lines must be non-empty single lines');
    return `${l}\n`;
  });
  return `${c.origin}\n${c.size}\n${Buffer.from(c.rootHash).toString('base64')}\n${other.join('')}`;
}

/** Builds the full signed note text from a body and one signer. */
export function signNote(body: string, name: string, spkiDer: Uint8Array, sign: (m: Uint8Array) => Uint8Array): string {
  if (/\s/.test(name) || name.length === 0) throw new CheckpointError('signer name must be non-empty without spaces');
  const sig = sign(new TextEncoder().encode(body));
  const blob = Buffer.concat([keyHint(spkiDer), sig]).toString('base64');
  return `${body}\n${EM_DASH} ${name} ${blob}\n`;
}

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Parses a signed note; attacker-controlled text, so every line is checked. */
export function parseCheckpoint(text: string): ParsedCheckpoint {
  if (text.length > MAX_NOTE_BYTES) throw new CheckpointError('note too large');
  const sep = text.indexOf('\n\n');
  if (sep < 0) throw new CheckpointError('note has no blank line before its signatures');
  const body = text.slice(0, sep + 1);
  const sigText = text.slice(sep + 2);
  const lines = body.slice(0, -1).split('\n');
  if (lines.length < 3) throw new CheckpointError('checkpoint needs origin, size and root lines');
  const [origin, sizeLine, rootLine, ...otherContent] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) throw new CheckpointError('empty origin line');
  if (!/^(0|[1-9][0-9]{0,18})$/.test(sizeLine)) throw new CheckpointError('size line is not a decimal size');
  if (!B64.test(rootLine)) throw new CheckpointError('root line is not base64');
  const rootHash = new Uint8Array(Buffer.from(rootLine, 'base64'));
  if (rootHash.length !== 32) throw new CheckpointError('root hash is not 32 bytes');
  if (otherContent.some((l) => l.length === 0)) throw new CheckpointError('empty line inside the note body');
  if (!sigText.endsWith('\n')) throw new CheckpointError('signature block must end with a newline');
  const signatures: NoteSignature[] = [];
  for (const line of sigText.slice(0, -1).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m) throw new CheckpointError('malformed signature line');
    if (!B64.test(m[2]!)) throw new CheckpointError('signature is not base64');
    const blob = Buffer.from(m[2]!, 'base64');
    if (blob.length < 5) throw new CheckpointError('signature too short');
    signatures.push({ name: m[1]!, keyHint: new Uint8Array(blob.subarray(0, 4)), signature: new Uint8Array(blob.subarray(4)) });
  }
  if (signatures.length === 0) throw new CheckpointError('note has no signatures');
  return { body, origin, size: BigInt(sizeLine), rootHash, otherContent, signatures };
}

/**
 * Verifies that `text` carries a signature by `name` with the given key. `verify` checks one
 * signature over the note body with that key (ECDSA-SHA256 or Ed25519).
 */
export function verifyCheckpoint(
  text: string,
  name: string,
  spkiDer: Uint8Array,
  verify: (message: Uint8Array, signature: Uint8Array) => boolean,
): ParsedCheckpoint {
  const cp = parseCheckpoint(text);
  const hint = Buffer.from(keyHint(spkiDer));
  const msg = new TextEncoder().encode(cp.body);
  const ok = cp.signatures.some((s) => s.name === name && hint.equals(s.keyHint) && verify(msg, s.signature));
  if (!ok) throw new CheckpointError(`no valid signature by ${name} on the checkpoint`);
  return cp;
}
