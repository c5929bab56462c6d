/**
 * RFC 6962 vectors from transparency-dev/merkle's testdata (test/vectors/rfc6962, copied from ../shared/vectors,
 * or $PROVENANT_VECTORS_DIR — either the vectors root or its rfc6962/ folder).
 * Every file with wantErr=false must verify, every file with wantErr=true must
 * be rejected; happy paths must also equal the proofs we generate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  TileEdge,
  TileHashes,
  buildProof,
  consistencyProofNodes,
  emptyRoot,
  hashChildren,
  hashLeaf,
  inclusionProofNodes,
  rootFromConsistencyProof,
  rootFromInclusionProof,
  rootFromNodes,
  verifyConsistency,
  verifyInclusion,
  type NodeId,
} from '../../src/merkle/index.ts';
import { hex, hexList } from './helpers.ts';

function vectorsDir(): string {
  const env = process.env['PROVENANT_VECTORS_DIR'];
  if (env !== undefined && env !== '') {
    const dir = [join(env, 'rfc6962'), env].find((d) => existsSync(join(d, 'tree.json')));
    if (dir === undefined) throw new Error(`PROVENANT_VECTORS_DIR=${env} has no tree.json (nor rfc6962/tree.json)`);
    return dir;
  }
  return fileURLToPath(new URL('../vectors/rfc6962/', import.meta.url));
}

const DIR = vectorsDir();

function jsonFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? jsonFiles(p) : name.endsWith('.json') ? [p] : [];
    });
}

/** Integer fields are read from the raw text: leafIdx can be 2^64-1, beyond float precision. */
function bigField(text: string, name: string): bigint {
  const m = new RegExp(`"${name}"\\s*:\\s*(\\d+)\\s*[,}]`).exec(text);
  if (m === null) throw new Error(`no integer field ${name}`);
  return BigInt(m[1]!);
}

const b64 = (s: unknown): Uint8Array => {
  assert.equal(typeof s, 'string');
  return new Uint8Array(Buffer.from(s as string, 'base64'));
};
const b64List = (l: unknown): Uint8Array[] => (l === null ? [] : (l as unknown[]).map(b64));

interface InclusionCase { file: string; leafIdx: bigint; treeSize: bigint; root: Uint8Array; leafHash: Uint8Array; proof: Uint8Array[]; wantErr: boolean }
interface ConsistencyCase { file: string; size1: bigint; size2: bigint; root1: Uint8Array; root2: Uint8Array; proof: Uint8Array[]; wantErr: boolean }

function load<T>(sub: string, parse: (text: string, j: Record<string, unknown>, file: string) => T): T[] {
  return jsonFiles(join(DIR, sub)).map((f) => {
    const text = readFileSync(f, 'utf8');
    const j = JSON.parse(text) as Record<string, unknown>;
    assert.equal(typeof j['wantErr'], 'boolean', `${f}: wantErr`);
    return parse(text, j, relative(DIR, f));
  });
}

const inclusion = load<InclusionCase>('inclusion', (t, j, file) => ({
  file,
  leafIdx: bigField(t, 'leafIdx'),
  treeSize: bigField(t, 'treeSize'),
  root: b64(j['root']),
  leafHash: b64(j['leafHash']),
  proof: b64List(j['proof']),
  wantErr: j['wantErr'] as boolean,
}));
const consistency = load<ConsistencyCase>('consistency', (t, j, file) => ({
  file,
  size1: bigField(t, 'size1'),
  size2: bigField(t, 'size2'),
  root1: b64(j['root1']),
  root2: b64(j['root2']),
  proof: b64List(j['proof']),
  wantErr: j['wantErr'] as boolean,
}));

const tree = JSON.parse(readFileSync(join(DIR, 'tree.json'), 'utf8')) as { leafInputsHex: string[]; rootHashesHexBySize: string[] };
const leafHashes = tree.leafInputsHex.map((h) => hashLeaf(Buffer.from(h, 'hex')));
const tile8 = new TileHashes(leafHashes);
const get = (id: NodeId): Uint8Array => tile8.node(id.level, Number(id.index) << id.level);

test('the vector set is complete (guards against an empty or moved directory)', () => {
  assert.equal(tree.leafInputsHex.length, 8);
  assert.equal(tree.rootHashesHexBySize.length, 9);
  assert.ok(inclusion.length >= 90, `inclusion cases: ${inclusion.length}`);
  assert.ok(consistency.length >= 90, `consistency cases: ${consistency.length}`);
  assert.ok(inclusion.filter((c) => !c.wantErr).length >= 6);
  assert.ok(consistency.filter((c) => !c.wantErr).length >= 6);
  assert.ok(inclusion.some((c) => c.leafIdx === (1n << 64n) - 1n), 'uint64 max index parsed exactly');
});

test('hasher known answers', () => {
  assert.equal(hex(emptyRoot()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(hex(emptyRoot()), tree.rootHashesHexBySize[0]);
  emptyRoot().fill(0); // a copy, not a view of the constant
  assert.equal(hex(emptyRoot()), tree.rootHashesHexBySize[0]);
  assert.equal(hex(hashLeaf(new Uint8Array(0))), tree.rootHashesHexBySize[1]);
  assert.equal(hex(hashChildren(leafHashes[0]!, leafHashes[1]!)), tree.rootHashesHexBySize[2]);
  // Larger than the hasher's scratch buffer: the streaming path.
  const big = new Uint8Array(100_000).fill(7);
  assert.equal(hex(hashLeaf(big)), createHash('sha256').update(Buffer.from([0])).update(big).digest('hex'));
});

test('tree.json roots: TileEdge and rootFromNodes', () => {
  const edge = TileEdge.empty();
  for (let n = 0; n <= 8; n++) {
    const want = tree.rootHashesHexBySize[n];
    assert.equal(hex(edge.root()), want, `edge root at ${n}`);
    assert.equal(hex(rootFromNodes(BigInt(n), get)), want, `rootFromNodes at ${n}`);
    if (n < 8) edge.append(leafHashes[n]!);
  }
});

for (const c of inclusion) {
  test(`inclusion ${c.file}: ${c.wantErr ? 'rejected' : 'verifies'}`, () => {
    assert.equal(verifyInclusion(c.leafIdx, c.treeSize, c.leafHash, c.proof, c.root), !c.wantErr);
    if (c.wantErr) return;
    assert.equal(hex(rootFromInclusionProof(c.leafIdx, c.treeSize, c.leafHash, c.proof)), hex(c.root));
    const nodes = inclusionProofNodes(c.leafIdx, c.treeSize);
    assert.equal(nodes.length, c.proof.length);
    if (c.treeSize <= 8n && hex(c.leafHash) === hex(leafHashes[Number(c.leafIdx)]!)) {
      assert.deepEqual(hexList(buildProof(nodes, get)), hexList(c.proof), 'generated proof equals the vector');
    }
  });
}

for (const c of consistency) {
  test(`consistency ${c.file}: ${c.wantErr ? 'rejected' : 'verifies'}`, () => {
    assert.equal(verifyConsistency(c.size1, c.size2, c.proof, c.root1, c.root2), !c.wantErr);
    if (c.wantErr) return;
    assert.equal(hex(rootFromConsistencyProof(c.size1, c.size2, c.proof, c.root1)), hex(c.root2));
    const nodes = consistencyProofNodes(c.size1, c.size2);
    assert.deepEqual(hexList(buildProof(nodes, get)), hexList(c.proof), 'generated proof equals the vector');
  });
}

test('every happy path in the tree was regenerated byte for byte', () => {
  const regenerated = inclusion.filter((c) => !c.wantErr && c.treeSize <= 8n && hex(c.leafHash) === hex(leafHashes[Number(c.leafIdx)]!));
  assert.ok(regenerated.length >= 5, `regenerated inclusion happy paths: ${regenerated.length}`);
  assert.ok(consistency.filter((c) => !c.wantErr && c.proof.length > 0).length >= 4);
});
