/** PostgreSQL binary COPY encoding (the wire format of COPY ... FROM STDIN (FORMAT binary)). */
export type CopyValue = { int8: bigint } | { int2: number } | { bytea: Uint8Array } | { text: string } | null;

const HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
export const COPY_TRAILER = Buffer.from([0xff, 0xff]);
export const COPY_HEADER = HEADER;

export function encodeRow(values: readonly CopyValue[]): Buffer {
  const parts: Buffer[] = [];
  const n = Buffer.alloc(2);
  n.writeInt16BE(values.length);
  parts.push(n);
  for (const v of values) {
    const len = Buffer.alloc(4);
    if (v === null) {
      len.writeInt32BE(-1);
      parts.push(len);
      continue;
    }
    let data: Buffer;
    if ('int8' in v) {
      data = Buffer.alloc(8);
      data.writeBigInt64BE(v.int8);
    } else if ('int2' in v) {
      data = Buffer.alloc(2);
      data.writeInt16BE(v.int2);
    } else if ('bytea' in v) data = Buffer.from(v.bytea.buffer, v.bytea.byteOffset, v.bytea.byteLength);
    else data = Buffer.from(v.text, 'utf8');
    len.writeInt32BE(data.length);
    parts.push(len, data);
  }
  return Buffer.concat(parts);
}
