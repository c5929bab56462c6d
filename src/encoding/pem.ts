/**
 * PEM (RFC 7468): Go's `pem.EncodeToMemory` output, and decoding in one of two explicit modes.
 *
 * 'strict', for client-supplied keys, certificates and CSRs (attacker-controlled), is stricter than
 * Go's `pem.Decode` on purpose:
 * - the input, after trimming ASCII whitespace at both ends (Go's `bytes.TrimSpace`), must consist of
 *   PEM blocks separated only by whitespace: no explanatory text before, between or after blocks
 *   (Go skips leading text and text between blocks; it rejects only trailing text);
 * - RFC 1421 headers ("Proc-Type: ...") are refused (Go parses and ignores them);
 * - BEGIN and END labels must match; the body is base64 as Go reads it: spaces, tabs, CR and LF are
 *   skipped, '=' padding is required; at most `maxBlocks` blocks.
 * Anything else Go accepts, we accept; a key or certificate is then re-encoded (see encodePem), so
 * the tolerated whitespace never reaches a stored leaf.
 *
 * 'lenient', for the operator's own files (CA and TSA chains): text outside the BEGIN/END lines is
 * ignored, as RFC 7468 §5.2 allows (openssl writes such explanatory text); labels are [A-Z0-9 ];
 * the base64 inside a block must be the canonical standard alphabet with correct padding (lines
 * ending in LF or CRLF); BEGIN/END lines must pair up with matching labels; headers are refused.
 *
 * Both run in linear time: every scan is a forward pass with index arithmetic or a native substring
 * search from a position that only moves forward.
 */
import { Base64Error, decodeBase64Go, decodeBase64Std, encodeBase64 } from './base64.ts';

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

export type PemDecodeOptions =
  /** Client input; more than `maxBlocks` blocks is an error. */
  | { readonly mode: 'strict'; readonly maxBlocks: number }
  /** Operator files; zero blocks is not an error here (callers say what they expected). */
  | { readonly mode: 'lenient' };

/**
 * Decodes the PEM blocks of `input` under the rules of `opts.mode` (see the module comment).
 * Throws PemError with the reason.
 */
export function decodePem(input: string | Uint8Array, opts: PemDecodeOptions): PemBlock[] {
  if (opts.mode === 'lenient') return decodeLenient(typeof input === 'string' ? input : Buffer.from(input).toString('utf8'));
  return decodeStrict(input, opts.maxBlocks);
}

function decodeStrict(input: string | Uint8Array, maxBlocks: number): PemBlock[] {
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
    if (blocks.length === maxBlocks) throw new PemError(`more than ${maxBlocks} PEM blocks`);
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
  if (!s.includes(' ') && !s.includes('\t')) return s; // the usual case, natively scanned
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

/** Labels of operator files: [A-Z0-9 ]. */
function isLabelChar(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x20;
}

/** End of the run of label characters starting at `from`. */
function labelEnd(s: string, from: number): number {
  let i = from;
  while (i < s.length && isLabelChar(s.charCodeAt(i))) i++;
  return i;
}

const UNBALANCED = 'PEM: unbalanced or malformed BEGIN/END lines';

function decodeLenient(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  // Text between blocks is skipped; a BEGIN or END line that does not pair up is an error.
  for (let pos = 0; ; ) {
    const begin = text.indexOf(BEGIN, pos);
    const strayEnd = text.indexOf(END, pos);
    if (begin < 0) {
      if (strayEnd >= 0) throw new PemError(UNBALANCED);
      return blocks;
    }
    if (strayEnd >= 0 && strayEnd < begin) throw new PemError(UNBALANCED);
    // "-----BEGIN LABEL-----" then LF or CRLF.
    const labelStart = begin + BEGIN.length;
    const labelStop = labelEnd(text, labelStart);
    let bodyStart = labelStop + DASHES.length;
    if (labelStop === labelStart || !text.startsWith(DASHES, labelStop)) throw new PemError(UNBALANCED);
    if (text.charCodeAt(bodyStart) === 0x0d) bodyStart++;
    if (text.charCodeAt(bodyStart) !== 0x0a) throw new PemError(UNBALANCED);
    bodyStart++;
    const label = text.slice(labelStart, labelStop);
    // "-----END LABEL-----": the first END after the BEGIN line closes the block.
    const end = text.indexOf(END, bodyStart);
    if (end < 0) throw new PemError(UNBALANCED);
    const endLabelStart = end + END.length;
    const endLabelStop = labelEnd(text, endLabelStart);
    if (endLabelStop === endLabelStart || !text.startsWith(DASHES, endLabelStop)) throw new PemError(UNBALANCED);
    const endLabel = text.slice(endLabelStart, endLabelStop);
    if (label !== endLabel) throw new PemError(`PEM: BEGIN ${label} closed by END ${endLabel}`);
    blocks.push({ type: label, bytes: decodeLenientBody(label, text.slice(bodyStart, end)) });
    pos = endLabelStop + DASHES.length;
  }
}

/** The base64 of one operator block: LF/CRLF line breaks removed, outer white space trimmed, canonical. */
function decodeLenientBody(label: string, body: string): Uint8Array {
  if (hasHeaderLine(body)) throw new PemError(`PEM: ${label} has RFC 1421 headers (encrypted keys are not supported)`);
  let b64 = '';
  let from = 0;
  for (let i = body.indexOf('\n'); i >= 0; i = body.indexOf('\n', i + 1)) {
    b64 += body.slice(from, i > from && body.charCodeAt(i - 1) === 0x0d ? i - 1 : i);
    from = i + 1;
  }
  b64 = (b64 + body.slice(from)).trim();
  let bytes: Uint8Array;
  try {
    if (b64.length === 0) throw new Base64Error(0);
    bytes = decodeBase64Std(b64);
  } catch (e) {
    if (e instanceof Base64Error) throw new PemError(`PEM: ${label} block is not valid base64`);
    throw e;
  }
  if (encodeBase64(bytes) !== b64) throw new PemError(`PEM: ${label} block is not canonical base64`);
  return bytes;
}

/** A line (after LF, CR, U+2028 or U+2029, or at the start) that begins "Name:" with Name in [A-Za-z-]+. */
function hasHeaderLine(body: string): boolean {
  let lineStart = true;
  let run = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029) {
      lineStart = true;
      run = 0;
      continue;
    }
    if (!lineStart) continue;
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d) run++;
    else {
      if (c === 0x3a && run > 0) return true;
      lineStart = false;
    }
  }
  return false;
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
