/**
 * DER templates: a structure encoded once by @peculiar/asn1-schema, in which per-request values of
 * a FIXED length are later substituted in place. Only content octets of primitives are replaced,
 * always by the same number of octets, so every tag and length written by the encoder stays valid;
 * nothing here writes a tag or a length.
 *
 * A field is located by encoding the structure twice, the second time with that field's value
 * changed in every octet: the octets that differ must form exactly one run of the field's length.
 * Anything else (the structure moved, a SET OF re-sorted, a length changed) is an Error, and the
 * caller falls back to the plain encoder.
 */

export interface FieldLocation {
  readonly offset: number;
  readonly length: number;
}

/** Offset of the single run of `length` differing octets between two same-length encodings. */
export function locateField(base: Uint8Array, variant: Uint8Array, length: number, what: string): FieldLocation {
  if (base.length !== variant.length) throw new Error(`template: changing ${what} changed the encoding length`);
  let first = -1;
  let last = -1;
  for (let i = 0; i < base.length; i++) {
    if (base[i] !== variant[i]) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0 || last - first + 1 !== length) throw new Error(`template: ${what} is not one contiguous run of ${length} octets`);
  for (let i = first; i <= last; i++) {
    if (base[i] === variant[i]) throw new Error(`template: ${what} run has unchanged octets`);
  }
  return { offset: first, length };
}

/** Every octet changed (bitwise complement): the variant value used to locate a binary field. */
export function complement(bytes: Uint8Array): Uint8Array {
  return bytes.map((b) => b ^ 0xff);
}

/** Copies `value` into `target` at `field`. Precondition: value.length === field.length (checked). */
export function put(target: Uint8Array, field: FieldLocation, value: Uint8Array): void {
  if (value.length !== field.length) throw new Error(`template: value of ${value.length} octets for a field of ${field.length}`);
  target.set(value, field.offset);
}

/** ASCII digits of a time value: YYYYMMDDHHMMSS (GeneralizedTime) or YYMMDDHHMMSS (UTCTime), UTC. */
export function timeDigits(date: Date, form: 'generalized' | 'utc'): Uint8Array {
  const two = (n: number) => String(n).padStart(2, '0');
  const year = date.getUTCFullYear();
  const y = form === 'generalized' ? String(year).padStart(4, '0') : two(year % 100);
  const s = `${y}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}`;
  return new Uint8Array(Buffer.from(s, 'latin1'));
}
