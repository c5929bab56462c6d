import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProvenantError, type ErrorCode } from '../../src/errors.ts';
import { decodeProposedEntry, KINDS, kindFromBody } from '../../src/log/kinds/index.ts';
import { REKOR_DEFAULT_ALGORITHM_POLICY } from '../../src/crypto/verify.ts';
import { canonicalJson } from '../../src/encoding/canonical-json.ts';

const opts = { policy: REKOR_DEFAULT_ALGORITHM_POLICY };
const fails = (code: ErrorCode, message: string | RegExp) => (e: unknown) => {
  assert.ok(e instanceof ProvenantError, String(e));
  assert.equal(e.code, code, e.message);
  if (typeof message === 'string') assert.equal(e.message, message);
  else assert.match(e.message, message);
  return true;
};

test('proposed-entry envelope: go-openapi errors (422) before the handler', () => {
  const spec = { a: 1 };
  assert.throws(() => decodeProposedEntry(null, opts), fails('schema_violation', 'kind in body is required'));
  assert.throws(() => decodeProposedEntry([], opts), fails('schema_violation', /must be of type object/));
  assert.throws(() => decodeProposedEntry({ apiVersion: '0.0.1', spec }, opts), fails('schema_violation', 'kind in body is required'));
  assert.throws(() => decodeProposedEntry({ kind: '', apiVersion: '0.0.1', spec }, opts), fails('schema_violation', 'kind in body is required'));
  assert.throws(() => decodeProposedEntry({ kind: 7, apiVersion: '0.0.1', spec }, opts), fails('schema_violation', /kind in body must be of type string/));
  assert.throws(() => decodeProposedEntry({ kind: 'x', apiVersion: '0.0.1', spec }, opts), fails('schema_violation', 'invalid kind value: "x"'));
  assert.throws(() => decodeProposedEntry({ kind: 'hashedrekord', spec }, opts), fails('schema_violation', 'apiVersion in body is required'));
  assert.throws(() => decodeProposedEntry({ kind: 'hashedrekord', apiVersion: 'v1', spec }, opts), fails('schema_violation', /^apiVersion in body should match '\^\(0\|/));
  assert.throws(() => decodeProposedEntry({ kind: 'hashedrekord', apiVersion: '0.0.1' }, opts), fails('schema_violation', 'spec in body is required'));
  assert.throws(() => decodeProposedEntry({ kind: 'hashedrekord', apiVersion: '0.0.1', spec: null }, opts), fails('schema_violation', 'spec in body is required'));
});

test('proposed-entry envelope: handler errors (400)', () => {
  const spec = { a: 1 };
  assert.throws(
    () => decodeProposedEntry({ kind: 'hashedrekord', apiVersion: '0.0.2', spec }, opts),
    fails('invalid_argument', "error processing entry: hashedrekord implementation for version '0.0.2' not found: unable to locate entry for version 0.0.2"),
  );
  assert.throws(() => decodeProposedEntry({ kind: 'intoto', apiVersion: '1.0.0-rc.1', spec }, opts), fails('invalid_argument', /intoto implementation for version '1.0.0-rc.1' not found/));
  assert.throws(() => decodeProposedEntry({ kind: 'cose', apiVersion: '0.0.1', spec }, opts), fails('invalid_argument', "error processing entry: entry kind 'cose' is not enabled for submission on this server"));
  assert.throws(() => decodeProposedEntry({ kind: 'ProposedEntry', apiVersion: '0.0.1', spec }, opts), fails('invalid_argument', "error processing entry: could not unmarshal entry for kind 'ProposedEntry'"));
  assert.throws(() => decodeProposedEntry({ kind: 'dsse', apiVersion: '0.0.1', spec: 'text' }, opts), fails('invalid_argument', 'error processing entry: unsupported input type string for DecodeEntry'));
  assert.throws(() => decodeProposedEntry({ kind: 'dsse', apiVersion: '0.0.1', spec: [] }, opts), fails('invalid_argument', /unsupported input type \[\]interface \{\} for DecodeEntry/));
});

test('registry: implemented kinds and versions; schemas attached', () => {
  assert.deepEqual(
    [...KINDS].map(([k, v]) => [k, [...v.keys()]]),
    [
      ['hashedrekord', ['0.0.1']],
      ['dsse', ['0.0.1']],
      ['intoto', ['0.0.1', '0.0.2']],
      ['rekord', ['0.0.1']],
    ],
  );
  for (const versions of KINDS.values()) for (const kv of versions.values()) assert.equal((kv.schema as { type: string }).type, 'object');
});

test('kindFromBody: fast path for canonical bodies, full parse otherwise', () => {
  assert.deepEqual(kindFromBody(canonicalJson({ apiVersion: '0.0.2', kind: 'intoto', spec: {} })), { kind: 'intoto', apiVersion: '0.0.2' });
  assert.deepEqual(kindFromBody(Buffer.from(' {"spec":{},"kind":"dsse","apiVersion":"0.0.1"}')), { kind: 'dsse', apiVersion: '0.0.1' });
  assert.throws(() => kindFromBody(Buffer.from('nope')), fails('internal', /not JSON/));
  assert.throws(() => kindFromBody(Buffer.from('{"kind":1}')), fails('internal', /no kind/));
});
