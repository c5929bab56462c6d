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
// Go's bytes.TrimSpace on ASCII input.
const EDGE_WS = /^[\t\n\v\f\r ]+|[\t\n\v\f\r ]+$/g;
const BETWEEN_WS = /^[\t\n\v\f\r ]*/;

/**
 * Decodes one or more concatenated PEM blocks. Throws PemError when the input is not entirely PEM,
 * when a block is malformed, or when there are more than `maxBlocks` blocks.
 */
export function decodePem(input: string | Uint8Array, opts: { maxBlocks: number }): PemBlock[] {
  const text = typeof input === 'string' ? input : asciiText(input);
  // eslint-disable-next-line no-control-regex
  if (/[^\x09-\x0d\x20-\x7e]/.test(text)) throw new PemError('PEM contains non-ASCII or control characters');
  const s = text.replace(EDGE_WS, '');
  if (s.length === 0) throw new PemError('no PEM block found');
  const blocks: PemBlock[] = [];
  let pos = 0;
  while (pos < s.length) {
    if (blocks.length === opts.maxBlocks) throw new PemError(`more than ${opts.maxBlocks} PEM blocks`);
    if (!s.startsWith(BEGIN, pos)) {
      throw new PemError(blocks.length === 0 ? 'no PEM block found' : 'unexpected data after PEM block');
    }
    const beginEol = lineEnd(s, pos);
    const beginLine = s.slice(pos, beginEol).replace(/\r$/, '');
    if (!beginLine.endsWith(DASHES) || beginLine.length < BEGIN.length + DASHES.length) {
      throw new PemError('malformed PEM BEGIN line');
    }
    const type = beginLine.slice(BEGIN.length, beginLine.length - DASHES.length);
    // The END line starts a line of its own; searching from the BEGIN line's newline also finds it
    // when the body is empty.
    const endAt = s.indexOf(`\n${END}${type}${DASHES}`, beginEol);
    if (endAt < 0) throw new PemError(`missing "${END}${type}${DASHES}" line`);
    const body = s.slice(beginEol + 1, endAt);
    if (body.includes(':')) throw new PemError('PEM headers are not supported');
    if (body.includes(DASHES)) throw new PemError(`PEM block "${type}" is not terminated by a matching END line`);
    let bytes: Uint8Array;
    try {
      bytes = decodeBase64Go(body.replace(/[ \t]/g, ''), 'std');
    } catch (e) {
      if (e instanceof Base64Error) throw new PemError(`PEM block "${type}": ${e.message}`);
      throw e;
    }
    blocks.push({ type, bytes });
    // The rest of the END line must be empty (optionally "\r").
    const endLineStart = endAt + 1;
    const endEol = lineEnd(s, endLineStart);
    const rest = s.slice(endLineStart + END.length + type.length + DASHES.length, endEol);
    if (rest !== '' && rest !== '\r') throw new PemError('unexpected data after PEM END line');
    pos = endEol;
    pos += (BETWEEN_WS.exec(s.slice(pos)) as RegExpExecArray)[0].length;
  }
  return blocks;
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

function asciiText(bytes: Uint8Array): string {
  for (const b of bytes) if (b > 0x7e) throw new PemError('PEM contains non-ASCII or control characters');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
