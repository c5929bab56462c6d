import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePem, encodePem, PemError } from '../../src/encoding/pem.ts';

/** Issue 10's bound for a hostile request; the decoder takes a few ms on these inputs. */
const HOSTILE_INPUT_BUDGET_MS = 1000;

function timed<T>(f: () => T): { ms: number; result: T | Error } {
  const t0 = performance.now();
  let result: T | Error;
  try {
    result = f();
  } catch (e) {
    result = e as Error;
  }
  return { ms: performance.now() - t0, result };
}

test('pem (defect 3): long whitespace runs that do not reach the end are decoded in linear time', () => {
  const block = encodePem('PUBLIC KEY', new Uint8Array(64).fill(7));
  // Sizes ascending, so the old quadratic trim fails on the first one (~2 s for 64 KiB) instead of
  // running for minutes on the 1 MiB inputs.
  for (const n of [1 << 16, 1 << 20]) {
    const ws = ' '.repeat(n);
    const cases: Record<string, string> = {
      'BEGIN line, spaces, x': `-----BEGIN PUBLIC KEY-----${ws}x`,
      'BEGIN line, newline, spaces, x': `-----BEGIN PUBLIC KEY-----\n${ws}x`,
      'spaces then x': `${ws}x`,
      'spaces, tabs and CRLF between two blocks': block + ' \t\r\n'.repeat(n / 4) + block,
      'spaces inside the base64 body': block.replace('\n', `\n${ws}`),
      'text after the END line': `${block.trimEnd()}${ws}x`,
    };
    for (const [name, input] of Object.entries(cases)) {
      for (const form of [input, Buffer.from(input, 'latin1')]) {
        const { ms, result } = timed(() => decodePem(form, { mode: 'strict', maxBlocks: 10 }));
        assert.ok(ms < HOSTILE_INPUT_BUDGET_MS, `${name} (${n} bytes): ${ms.toFixed(0)} ms`);
        assert.ok(Array.isArray(result) || result instanceof PemError, `${name}: ${String(result)}`);
      }
    }
  }
});

test('pem: long labels and near-miss END lines stay linear', () => {
  const label = 'A'.repeat(1 << 19);
  const input = `-----BEGIN ${label}-----\n` + `\n-----END ${'A'.repeat(1000)}`.repeat(500);
  const { ms, result } = timed(() => decodePem(input, { mode: 'strict', maxBlocks: 10 }));
  assert.ok(ms < HOSTILE_INPUT_BUDGET_MS, `${ms.toFixed(0)} ms`);
  assert.ok(result instanceof PemError && /missing "-----END/.test(result.message));
});

test('pem: whitespace around and between blocks is still accepted (Go bytes.TrimSpace, \\v and \\f included)', () => {
  const a = encodePem('CERTIFICATE', new Uint8Array([1, 2, 3]));
  const blocks = decodePem(`\v\f \t\r\n${a}\r\n\v${a.replace(/\n/g, '\r\n')} \f`, { mode: 'strict', maxBlocks: 2 });
  assert.deepEqual(blocks.map((b) => [b.type, Buffer.from(b.bytes).toString('hex')]), [['CERTIFICATE', '010203'], ['CERTIFICATE', '010203']]);
  assert.throws(() => decodePem(' \t\r\n\v\f', { mode: 'strict', maxBlocks: 1 }), /no PEM block found/);
  assert.throws(() => decodePem(`${a}\x00`, { mode: 'strict', maxBlocks: 1 }), /non-ASCII or control/);
  assert.throws(() => decodePem(new Uint8Array([...Buffer.from(a), 0x80]), { mode: 'strict', maxBlocks: 1 }), /non-ASCII or control/);
  assert.throws(() => decodePem(a.replace('-----\n', '-----\r\r\n'), { mode: 'strict', maxBlocks: 1 }), /malformed PEM BEGIN line/);
  assert.throws(() => decodePem(a.replace(/-----\n$/, '-----\r\r\n') + a, { mode: 'strict', maxBlocks: 2 }), /unexpected data after PEM END line/);
});

test('pem lenient (operator files): explanatory text, CRLF, canonical base64, headers and label rules', () => {
  const a = encodePem('CERTIFICATE', new Uint8Array([1, 2, 3]));
  const b = encodePem('CERTIFICATE', new Uint8Array(100).fill(9));
  const decoded = decodePem(`subject=CN=x\nissuer=CN=y\n${a}between\r\n${b.replace(/\n/g, '\r\n')}trailing`, { mode: 'lenient' });
  assert.deepEqual(decoded.map((x) => Buffer.from(x.bytes).length), [3, 100]);
  assert.deepEqual(decodePem('no blocks at all', { mode: 'lenient' }), []);
  const cases: Record<string, [string, RegExp]> = {
    'label mismatch': [a.replace('END CERTIFICATE', 'END X509 CRL'), /BEGIN CERTIFICATE closed by END X509 CRL/],
    'stray END': [`-----END CERTIFICATE-----\n${a}`, /unbalanced/],
    'missing END': [a.replace(/-----END CERTIFICATE-----\n$/, ''), /unbalanced/],
    'BEGIN line not followed by a newline': [a.replace('-----\n', '----- x\n'), /unbalanced/],
    'lower-case label': [encodePem('certificate', new Uint8Array([1])), /unbalanced/],
    headers: ['-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END X-----\n', /RFC 1421 headers/],
    'spaces inside the base64': [a.replace('\n', '\nAQ ID\n'), /not valid base64/],
    'non-zero pad bits': ['-----BEGIN X-----\nAQI=\n-----END X-----\n'.replace('AQI=', 'AQJ='), /not canonical base64/],
    'empty body': ['-----BEGIN X-----\n-----END X-----\n', /not valid base64/],
    'nested BEGIN': [`-----BEGIN X-----\n${a}-----END X-----\n`, /BEGIN X closed by END CERTIFICATE/],
  };
  for (const [name, [input, message]] of Object.entries(cases)) assert.throws(() => decodePem(input, { mode: 'lenient' }), message, name);
});

test('pem lenient: linear time on many unpaired BEGIN lines and long text between blocks', () => {
  // The regex it replaces (/-----BEGIN …-----\r?\n([\s\S]*?)-----END …/g) rescanned to the end from
  // every BEGIN: ~2.5 s for 256 KiB of BEGIN lines.
  for (const n of [1 << 18, 1 << 20]) {
    const line = '-----BEGIN A-----\n';
    const cases = {
      'BEGIN lines': line.repeat(Math.ceil(n / line.length)),
      'text then a block': 'x'.repeat(n) + encodePem('A', new Uint8Array([1])),
      'white space in a body': `-----BEGIN A-----\n${' '.repeat(n)}AQ==\n-----END A-----\n`,
      'header-like lines': `-----BEGIN A-----\n${'a-b\n'.repeat(n / 4)}AQ==\n-----END A-----\n`,
    };
    for (const [name, input] of Object.entries(cases)) {
      const { ms, result } = timed(() => decodePem(input, { mode: 'lenient' }));
      assert.ok(ms < HOSTILE_INPUT_BUDGET_MS, `${name} (${n}): ${ms.toFixed(0)} ms`);
      assert.ok(Array.isArray(result) || result instanceof PemError, `${name}: ${String(result)}`);
    }
  }
});
