/**
 * PEM (RFC 7468) for client-supplied keys and certificates, and Go's `pem.EncodeToMemory` output.
 *
 * Decoding is stricter than Go's `pem.Decode`, on purpose (attacker-controlled input):
 * - the input, after trimming ASCII whitespace at both ends (Go's `bytes.TrimSpace`), must consist of
 *   PEM blocks separated only by whitespace: no explanatory text before, between or after blocks
 *   (Go skips leading text and text between blocks; it rejects only trailing text);
 * - RFC 1421 headers ("Proc-Type: ...") are refused (Go parses and ignores them);
 * - BEGIN and END labels must match; the body is base64 as Go reads it: spaces, tabs, CR and LF are
 *   skipped, '=' padding is required.
 * Anything else Go accepts, we accept; a key or certificate is then re-encoded (see encodePem), so
 * the tolerated whitespace never reaches a stored leaf.
 */
import { Base64Error, decodeBase64Go, encodeBase64 } from './base64.ts';

export interface PemBlock {
  /** The label between "-----BEGIN " and "-----", e.g. "PUBLIC KEY". */
  readonly type: string;
  readonly bytes: Uint8Array;
}

export class PemError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PemError';
  }
}

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const DASHES = '-----';

/*
 * Linear time on attacker-controlled input: every scan is a forward pass with index arithmetic, and
 * the one regular expression is a single character class (no quantifier, nothing to backtrack). A
 * pattern such as /[ \t]+$/ was quadratic on a long whitespace run that does not reach the end
 * (issue 10, defect 3: 64 KiB took 2 s, 1 MiB minutes). Each step is O(length) and runs at most once
 * per block, and there are at most `maxBlocks` blocks.
 */

/** Go's `unicode.IsSpace` restricted to ASCII, as `bytes.TrimSpace` sees it: \t \n \v \f \r and space. */
function isAsciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * Decodes one or more concatenated PEM blocks. Throws PemError when the input is not entirely PEM,
 * when a block is malformed, or when there are more than `maxBlocks` blocks.
 */
export function decodePem(input: string | Uint8Array, opts: { maxBlocks: number }): PemBlock[] {
  const text = typeof input === 'string' ? input : latin1Text(input);
  // One character class, no quantifier: a single linear pass (V8 runs it natively, ~1 ms per MiB).
  // eslint-disable-next-line no-control-regex
  if (/[^\x09-\x0d\x20-\x7e]/.test(text)) throw new PemError('PEM contains non-ASCII or control characters');
  // Go's bytes.TrimSpace: each end is scanned once, from the outside in.
  let first = 0;
  let last = text.length - 1;
  while (first <= last && isAsciiSpace(text.charCodeAt(first))) first++;
  while (last >= first && isAsciiSpace(text.charCodeAt(last))) last--;
  if (first > last) throw new PemError('no PEM block found');
  const s = text.slice(first, last + 1);
  const blocks: PemBlock[] = [];
  let pos = 0;
  while (pos < s.length) {
    if (blocks.length === opts.maxBlocks) throw new PemError(`more than ${opts.maxBlocks} PEM blocks`);
    if (!s.startsWith(BEGIN, pos)) {
      throw new PemError(blocks.length === 0 ? 'no PEM block found' : 'unexpected data after PEM block');
    }
    const beginEol = lineEnd(s, pos);
    // The BEGIN line without a final "\r" (CRLF input).
    const beginLineEnd = beginEol > pos && s.charCodeAt(beginEol - 1) === 0x0d ? beginEol - 1 : beginEol;
    if (beginLineEnd - pos < BEGIN.length + DASHES.length || !s.startsWith(DASHES, beginLineEnd - DASHES.length)) {
      throw new PemError('malformed PEM BEGIN line');
    }
    const type = s.slice(pos + BEGIN.length, beginLineEnd - DASHES.length);
    // The END line starts a line of its own; searching from the BEGIN line's newline also finds it
    // when the body is empty.
    const endAt = s.indexOf(`\n${END}${type}${DASHES}`, beginEol);
    if (endAt < 0) throw new PemError(`missing "${END}${type}${DASHES}" line`);
    const body = s.slice(beginEol + 1, endAt);
    if (body.includes(':')) throw new PemError('PEM headers are not supported');
    if (body.includes(DASHES)) throw new PemError(`PEM block "${type}" is not terminated by a matching END line`);
    let bytes: Uint8Array;
    try {
      bytes = decodeBase64Go(withoutSpacesAndTabs(body), 'std');
    } catch (e) {
      if (e instanceof Base64Error) throw new PemError(`PEM block "${type}": ${e.message}`);
      throw e;
    }
    blocks.push({ type, bytes });
    // The rest of the END line must be empty (optionally "\r").
    const endLineStart = endAt + 1;
    const endEol = lineEnd(s, endLineStart);
    const restStart = endLineStart + END.length + type.length + DASHES.length;
    if (restStart !== endEol && !(restStart + 1 === endEol && s.charCodeAt(restStart) === 0x0d)) {
      throw new PemError('unexpected data after PEM END line');
    }
    pos = endEol;
    while (pos < s.length && isAsciiSpace(s.charCodeAt(pos))) pos++;
  }
  return blocks;
}

/** `s` without ' ' and '\t' (Go's pem decoder skips them inside the base64 body). */
function withoutSpacesAndTabs(s: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x09) {
      out += s.slice(from, i);
      from = i + 1;
    }
  }
  return from === 0 ? s : out + s.slice(from);
}

/** Go `pem.EncodeToMemory(&pem.Block{Type, Bytes})`: 64-column base64 lines, trailing newline. */
export function encodePem(type: string, bytes: Uint8Array): string {
  const b64 = encodeBase64(bytes);
  let out = `-----BEGIN ${type}-----\n`;
  for (let i = 0; i < b64.length; i += 64) out += b64.slice(i, i + 64) + '\n';
  return out + `-----END ${type}-----\n`;
}

function lineEnd(s: string, from: number): number {
  const i = s.indexOf('\n', from);
  return i < 0 ? s.length : i;
}

/** Bytes as latin1 text: one character per byte, so the character check above sees every byte. */
function latin1Text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
