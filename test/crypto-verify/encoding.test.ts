import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fc from 'fast-check';
import { Base64Error, decodeBase64Go, decodeBase64Strict, encodeBase64 } from '../../src/encoding/base64.ts';
import { decodePem, encodePem, PemError } from '../../src/encoding/pem.ts';
import { canonicalJson, canonicalJsonString } from '../../src/encoding/canonical-json.ts';

test('base64: round trip (property)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const s = encodeBase64(bytes);
      assert.deepEqual(Buffer.from(decodeBase64Strict(s)), Buffer.from(bytes));
      assert.deepEqual(Buffer.from(decodeBase64Go(s, 'std')), Buffer.from(bytes));
    }),
  );
});

test('base64 strict: rejects invalid characters, padding, whitespace and non-zero pad bits', () => {
  for (const bad of ['YQ', 'YQ=', 'Y===', 'YQ==YQ==', 'Y Q==', 'YQ==\n', 'YR==', 'YWI=x', '-_8=', 'YW\u00e9=', '=']) {
    assert.throws(() => decodeBase64Strict(bad), Base64Error, bad);
  }
  assert.deepEqual(Buffer.from(decodeBase64Strict('')), Buffer.alloc(0));
});

test('base64 Go StdEncoding: skips CR/LF, tolerates non-zero pad bits, requires padding', () => {
  assert.equal(Buffer.from(decodeBase64Go('YW\r\nJj\n', 'std')).toString(), 'abc');
  assert.equal(Buffer.from(decodeBase64Go('YR==', 'std')).toString(), 'a'); // Go StdEncoding is not Strict
  assert.throws(() => decodeBase64Go('YQ', 'std'), Base64Error);
  assert.throws(() => decodeBase64Go('Y Q==', 'std'), /illegal base64 data at input byte 1/);
  assert.throws(() => decodeBase64Go('-_8=', 'std'), Base64Error);
  assert.deepEqual(Buffer.from(decodeBase64Go('-_8=', 'url')), Buffer.from([0xfb, 0xff]));
  assert.throws(() => decodeBase64Go('+/8=', 'url'), Base64Error);
  // The offset counts skipped newlines, as Go's does.
  assert.throws(() => decodeBase64Go('YW\nJ*', 'std'), /input byte 4/);
});

test('pem: encodes like Go pem.EncodeToMemory (64 columns, trailing newline)', () => {
  const der = Buffer.alloc(100, 7);
  const pem = encodePem('PUBLIC KEY', der);
  const lines = pem.split('\n');
  assert.equal(lines[0], '-----BEGIN PUBLIC KEY-----');
  assert.equal(lines[1]?.length, 64);
  assert.equal(lines.at(-2), '-----END PUBLIC KEY-----');
  assert.equal(lines.at(-1), '');
  assert.equal(encodePem('X', new Uint8Array(0)), '-----BEGIN X-----\n-----END X-----\n');
  const [block] = decodePem(pem, { mode: 'strict', maxBlocks: 1 });
  assert.equal(block?.type, 'PUBLIC KEY');
  assert.deepEqual(Buffer.from(block?.bytes ?? []), der);
});

test('pem: accepts surrounding whitespace, CRLF, odd line lengths and chains', () => {
  const a = encodePem('CERTIFICATE', crypto.randomBytes(50));
  const b = encodePem('CERTIFICATE', crypto.randomBytes(70));
  const crlf = `\n\n  ${a.replace(/\n/g, '\r\n')}\n${b}  \n`;
  const blocks = decodePem(crlf, { mode: 'strict', maxBlocks: 10 });
  assert.equal(blocks.length, 2);
  const body = Buffer.from(crypto.randomBytes(48)).toString('base64');
  const oneLine = `-----BEGIN X-----\n${body}\n-----END X-----`;
  assert.equal(decodePem(oneLine, { mode: 'strict', maxBlocks: 1 })[0]?.bytes.length, 48);
  assert.equal(decodePem(Buffer.from(oneLine), { mode: 'strict', maxBlocks: 1 })[0]?.bytes.length, 48);
});

test('pem: rejects garbage, headers, mismatched labels, bad base64 and too many blocks', () => {
  const good = encodePem('PUBLIC KEY', crypto.randomBytes(40));
  const cases: Record<string, string> = {
    empty: '',
    'not pem': 'hello',
    'leading text': `hello\n${good}`,
    'trailing text': `${good}garbage`,
    'trailing text on END line': good.replace('-----END PUBLIC KEY-----', '-----END PUBLIC KEY----- x'),
    'text between blocks': `${good}junk\n${good}`,
    'mismatched END': good.replace('END PUBLIC KEY', 'END CERTIFICATE'),
    'missing END': good.split('-----END')[0] as string,
    headers: good.replace('-----\n', '-----\nProc-Type: 4,ENCRYPTED\n\n'),
    'bad base64': good.replace('-----\n', '-----\n*'),
    'missing padding': '-----BEGIN X-----\nYQ\n-----END X-----\n',
    'non-ascii': good.replace('-----\n', '-----\n\u00e9'),
  };
  for (const [name, input] of Object.entries(cases)) assert.throws(() => decodePem(input, { mode: 'strict', maxBlocks: 10 }), PemError, name);
  assert.throws(() => decodePem(good + good, { mode: 'strict', maxBlocks: 1 }), /more than 1 PEM blocks/);
});

test('canonical JSON: RFC 8785 ordering, numbers and escaping', () => {
  assert.equal(canonicalJsonString({ b: 1, a: [true, null, 'x'], c: { z: 1e21, y: -0, x: 0.1 } }), '{"a":[true,null,"x"],"b":1,"c":{"x":0.1,"y":0,"z":1e+21}}');
  // RFC 8785 §3.2.3: sorted by UTF-16 code units, not code points.
  // (RFC 8785 §3.2.3 example: U+FB33 sorts after U+1F600 because 0xFB33 > 0xD83D.)
  assert.equal(
    canonicalJsonString({ '\u20ac': 1, '\ud83d\ude00': 2, '\r': 3, '1': 4, '\u0080': 5, '\ufb33': 6 }),
    '{"\\r":3,"1":4,"\u0080":5,"\u20ac":1,"\ud83d\ude00":2,"\ufb33":6}',
  );
  // No HTML escaping, lowercase \u00xx for controls.
  assert.equal(canonicalJsonString({ s: '<a href="x">&\u001f/' }), '{"s":"<a href=\\"x\\">&\\u001f/"}');
  assert.equal(canonicalJsonString({ a: undefined, b: 1 }), '{"b":1}');
  assert.deepEqual(Buffer.from(canonicalJson({ e: '\u00e9' })), Buffer.from('{"e":"é"}', 'utf8'));
});

test('canonical JSON: rejects what is not I-JSON', () => {
  assert.throws(() => canonicalJson({ n: NaN }), TypeError);
  assert.throws(() => canonicalJson({ n: Infinity }), TypeError);
  assert.throws(() => canonicalJson({ s: '\ud800' }), /lone surrogate/);
  assert.throws(() => canonicalJson({ d: new Date() as never }), TypeError);
  assert.throws(() => canonicalJson({ b: new Uint8Array(1) as never }), TypeError);
  assert.throws(() => canonicalJson([undefined as never]), TypeError);
});
