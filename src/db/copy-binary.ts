/**
 * PostgreSQL binary COPY encoding (COPY … FROM STDIN (FORMAT binary), PostgreSQL docs "COPY —
 * Binary Format"): an 11-byte signature, int32 flags, int32 header-extension length; then per
 * tuple an int16 field count and, per field, an int32 length (-1 for NULL) and the value in its
 * binary send format; finally an int16 -1 trailer.
 */
export type CopyValue = { int8: bigint } | { int2: number } | { bytea: Uint8Array } | { text: string } | null;

export const COPY_HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
export const COPY_TRAILER = Buffer.from([0xff, 0xff]);

function fieldLength(v: CopyValue): number {
  if (v === null) return 0;
  if ('int8' in v) return 8;
  if ('int2' in v) return 2;
  if ('bytea' in v) return v.bytea.byteLength;
  return Buffer.byteLength(v.text, 'utf8');
}

/** One tuple, in a single allocation (this runs once per appended entry). */
export function encodeRow(values: readonly CopyValue[]): Buffer {
  let size = 2;
  for (const v of values) size += 4 + fieldLength(v);
  const out = Buffer.allocUnsafe(size);
  let o = out.writeInt16BE(values.length, 0);
  for (const v of values) {
    if (v === null) {
      o = out.writeInt32BE(-1, o);
    } else if ('int8' in v) {
      o = out.writeInt32BE(8, o);
      o = out.writeBigInt64BE(v.int8, o);
    } else if ('int2' in v) {
      o = out.writeInt32BE(2, o);
      o = out.writeInt16BE(v.int2, o);
    } else if ('bytea' in v) {
      o = out.writeInt32BE(v.bytea.byteLength, o);
      out.set(v.bytea, o);
      o += v.bytea.byteLength;
    } else {
      const n = out.write(v.text, o + 4, 'utf8');
      o = out.writeInt32BE(n, o);
      o += n;
    }
  }
  return out;
}
