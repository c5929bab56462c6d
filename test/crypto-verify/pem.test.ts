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
        const { ms, result } = timed(() => decodePem(form, { maxBlocks: 10 }));
        assert.ok(ms < HOSTILE_INPUT_BUDGET_MS, `${name} (${n} bytes): ${ms.toFixed(0)} ms`);
        assert.ok(Array.isArray(result) || result instanceof PemError, `${name}: ${String(result)}`);
      }
    }
  }
});

test('pem: long labels and near-miss END lines stay linear', () => {
  const label = 'A'.repeat(1 << 19);
  const input = `-----BEGIN ${label}-----\n` + `\n-----END ${'A'.repeat(1000)}`.repeat(500);
  const { ms, result } = timed(() => decodePem(input, { maxBlocks: 10 }));
  assert.ok(ms < HOSTILE_INPUT_BUDGET_MS, `${ms.toFixed(0)} ms`);
  assert.ok(result instanceof PemError && /missing "-----END/.test(result.message));
});

test('pem: whitespace around and between blocks is still accepted (Go bytes.TrimSpace, \\v and \\f included)', () => {
  const a = encodePem('CERTIFICATE', new Uint8Array([1, 2, 3]));
  const blocks = decodePem(`\v\f \t\r\n${a}\r\n\v${a.replace(/\n/g, '\r\n')} \f`, { maxBlocks: 2 });
  assert.deepEqual(blocks.map((b) => [b.type, Buffer.from(b.bytes).toString('hex')]), [['CERTIFICATE', '010203'], ['CERTIFICATE', '010203']]);
  assert.throws(() => decodePem(' \t\r\n\v\f', { maxBlocks: 1 }), /no PEM block found/);
  assert.throws(() => decodePem(`${a}\x00`, { maxBlocks: 1 }), /non-ASCII or control/);
  assert.throws(() => decodePem(new Uint8Array([...Buffer.from(a), 0x80]), { maxBlocks: 1 }), /non-ASCII or control/);
  assert.throws(() => decodePem(a.replace('-----\n', '-----\r\r\n'), { maxBlocks: 1 }), /malformed PEM BEGIN line/);
  assert.throws(() => decodePem(a.replace(/-----\n$/, '-----\r\r\n') + a, { maxBlocks: 2 }), /unexpected data after PEM END line/);
});
