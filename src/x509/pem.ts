/**
 * PEM (RFC 7468) encoding and strict decoding. Text outside the BEGIN/END lines is ignored, as
 * RFC 7468 §5.2 allows (openssl writes such explanatory text); the base64 inside a block must be
 * the strict standard alphabet with correct padding, and BEGIN/END labels must match.
 */

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
const BASE64_LINE = /^[A-Za-z0-9+/]*={0,2}$/;

export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

/** Decodes every PEM block in `text`. Throws Error with a precise reason on a malformed block. */
export function decodePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const [, label, body, endLabel] = m as unknown as [string, string, string, string];
    if (label !== endLabel) throw new Error(`PEM: BEGIN ${label} closed by END ${endLabel}`);
    const b64 = body.replace(/\r?\n/g, '').trim();
    if (/^[A-Za-z-]+:/m.test(body)) throw new Error(`PEM: ${label} has RFC 1421 headers (encrypted keys are not supported)`);
    if (b64.length === 0 || b64.length % 4 !== 0 || !BASE64_LINE.test(b64)) {
      throw new Error(`PEM: ${label} block is not valid base64`);
    }
    const der = Buffer.from(b64, 'base64');
    if (der.toString('base64') !== b64) throw new Error(`PEM: ${label} block is not canonical base64`);
    blocks.push({ label, der: new Uint8Array(der) });
  }
  const begins = text.match(/-----BEGIN /g)?.length ?? 0;
  const ends = text.match(/-----END /g)?.length ?? 0;
  if (begins !== blocks.length || ends !== blocks.length) throw new Error('PEM: unbalanced or malformed BEGIN/END lines');
  return blocks;
}

/** Encodes DER as one PEM block with 64-character lines and a trailing newline. */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
