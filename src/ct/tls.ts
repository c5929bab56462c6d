/**
 * TLS presentation-language encoding (RFC 5246 §4) for the structures of RFC 6962: big-endian
 * integers and length-prefixed opaque vectors. These are TLS structures, not ASN.1, so they are
 * written here byte by byte; certificates inside them stay opaque DER built elsewhere.
 */

export class TlsError extends Error {
  override name = 'TlsError';
}

/** Appends TLS-encoded fields; finish() returns the bytes. */
export class TlsWriter {
  #chunks: Uint8Array[] = [];
  #length = 0;

  #push(b: Uint8Array): this {
    this.#chunks.push(b);
    this.#length += b.length;
    return this;
  }

  u8(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xff) throw new TlsError(`uint8 out of range: ${n}`);
    return this.#push(Uint8Array.of(n));
  }

  u16(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new TlsError(`uint16 out of range: ${n}`);
    return this.#push(Uint8Array.of(n >> 8, n & 0xff));
  }

  u24(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffff) throw new TlsError(`uint24 out of range: ${n}`);
    return this.#push(Uint8Array.of(n >> 16, (n >> 8) & 0xff, n & 0xff));
  }

  u64(n: bigint): this {
    if (n < 0n || n > 0xffff_ffff_ffff_ffffn) throw new TlsError(`uint64 out of range: ${n}`);
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(n);
    return this.#push(new Uint8Array(b));
  }

  /** Fixed-length opaque: written as is. */
  bytes(b: Uint8Array): this {
    return this.#push(b);
  }

  /** opaque v<min..2^16-1>: a 2-byte length, then the bytes. */
  vec16(b: Uint8Array, min = 0): this {
    if (b.length < min || b.length > 0xffff) throw new TlsError(`vector<${min}..2^16-1> has length ${b.length}`);
    return this.u16(b.length).bytes(b);
  }

  /** opaque v<min..2^24-1>: a 3-byte length, then the bytes. */
  vec24(b: Uint8Array, min = 0): this {
    if (b.length < min || b.length > 0xffffff) throw new TlsError(`vector<${min}..2^24-1> has length ${b.length}`);
    return this.u24(b.length).bytes(b);
  }

  finish(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.#chunks, this.#length));
  }
}

/** Reads TLS-encoded fields from attacker-controlled bytes; every read is bounds-checked. */
export class TlsReader {
  #pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  get remaining(): number {
    return this.buf.length - this.#pos;
  }

  bytes(n: number): Uint8Array {
    if (n > this.remaining) throw new TlsError(`truncated: need ${n} bytes, have ${this.remaining}`);
    const out = this.buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  u8(): number {
    return this.bytes(1)[0]!;
  }

  u16(): number {
    const b = this.bytes(2);
    return (b[0]! << 8) | b[1]!;
  }

  u24(): number {
    const b = this.bytes(3);
    return (b[0]! << 16) | (b[1]! << 8) | b[2]!;
  }

  u64(): bigint {
    return Buffer.from(this.bytes(8)).readBigUInt64BE();
  }

  vec16(min = 0): Uint8Array {
    const n = this.u16();
    if (n < min) throw new TlsError(`vector shorter than its minimum ${min}`);
    return this.bytes(n);
  }

  vec24(min = 0): Uint8Array {
    const n = this.u24();
    if (n < min) throw new TlsError(`vector shorter than its minimum ${min}`);
    return this.bytes(n);
  }

  /** Requires that everything was read: trailing bytes are an error. */
  end(): void {
    if (this.remaining !== 0) throw new TlsError(`${this.remaining} trailing bytes`);
  }
}
