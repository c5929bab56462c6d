import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { X509Certificate as SigstoreCertificate } from '@sigstore/core';
import { decodeMerkleTreeLeaf, encodeMerkleTreeLeaf, type TimestampedEntry } from '../../src/ct/leaf.ts';
import { decodeSct, decodeSctList, encodeSct, encodeSctList, signSct, treeHeadSignatureInput } from '../../src/ct/sct.ts';
import { TlsReader } from '../../src/ct/tls.ts';
import { hashLeaf, verifyConsistency, verifyInclusion } from '../../src/merkle/index.ts';
import { LeafCertificateBuilder, leafIssuer } from '../../src/x509/ca-leaf.ts';
import { generateCaChain } from '../../src/x509/ca-material.ts';
import { caMaterial, clientKey, ctSigner, makeCa, post, type Server, sha256, startServer, type TestCa, TestIssuer, testConfig, v2Body } from '../ca/helpers.ts';

const b64 = (u: Uint8Array) => Buffer.from(u).toString('base64');
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));

describe('RFC 6962 encodings', () => {
  it('MerkleTreeLeaf round-trips for x509 and precert entries, and rejects trailing data', () => {
    const entries: TimestampedEntry[] = [
      { timestamp: 1_700_000_000_123n, entry: { type: 'x509_entry', certificate: Uint8Array.of(0x30, 1, 2) }, extensions: new Uint8Array(0) },
      {
        timestamp: 42n,
        entry: { type: 'precert_entry', issuerKeyHash: new Uint8Array(32).fill(7), tbsCertificate: Uint8Array.of(0x30, 0) },
        extensions: new Uint8Array(0),
      },
    ];
    for (const e of entries) {
      const leaf = encodeMerkleTreeLeaf(e);
      assert.deepEqual(leaf.subarray(0, 2), Uint8Array.of(0, 0), 'version v1, timestamped_entry');
      assert.deepEqual(decodeMerkleTreeLeaf(leaf), e);
      assert.throws(() => decodeMerkleTreeLeaf(Uint8Array.of(...leaf, 0)), /trailing/);
      assert.throws(() => decodeMerkleTreeLeaf(leaf.subarray(0, leaf.length - 1)), /truncated/);
    }
  });

  it('an SCT serialises as RFC 6962 §3.2 and @sigstore/core parses it', () => {
    const signer = ctSigner();
    const e: TimestampedEntry = { timestamp: 1_700_000_000_000n, entry: { type: 'x509_entry', certificate: Uint8Array.of(1) }, extensions: new Uint8Array(0) };
    const sct = signSct(signer, e);
    const bytes = encodeSct(sct);
    const r = new TlsReader(bytes);
    assert.equal(r.u8(), 0);
    assert.equal(Buffer.from(r.bytes(32)).toString('hex'), signer.logId);
    assert.equal(r.u64(), 1_700_000_000_000n);
    assert.equal(r.u16(), 0);
    assert.equal(r.u8(), 4, 'sha256');
    assert.equal(r.u8(), 3, 'ecdsa');
    const sig = r.vec16();
    r.end();
    assert.deepEqual(decodeSct(bytes), sct);
    assert.deepEqual(decodeSctList(encodeSctList([sct, sct])), [sct, sct]);
    // The signature covers version ‖ certificate_timestamp ‖ TimestampedEntry.
    const signed = Buffer.concat([Buffer.of(0, 0), Buffer.from(encodeMerkleTreeLeaf(e).subarray(2))]);
    assert.ok(verify('sha256', signed, { key: Buffer.from(signer.publicKeyDer), format: 'der', type: 'spki', dsaEncoding: 'der' }, sig));
  });
});

describe('the CT log over HTTP', () => {
  let issuer: TestIssuer;
  let t: TestCa;
  let server: Server;
  const key = clientKey();
  const leaves: string[] = [];

  before(async () => {
    issuer = await TestIssuer.start();
    t = await makeCa({ config: testConfig(issuer.url, `${issuer.url}/unused`) });
    server = await startServer(t.ca);
    for (let i = 0; i < 5; i++) {
      const email = `user${i}@example.com`;
      const token = await issuer.mint({ sub: `u${i}`, email, email_verified: true });
      const r = await post(`${server.url}/api/v2/signingCert`, v2Body(token, key, email));
      assert.equal(r.status, 200, r.text);
      leaves.push((r.json.signedCertificateEmbeddedSct as { chain: { certificates: string[] } }).chain.certificates[0]!);
    }
  });
  after(async () => {
    await server.close();
    await t.close();
    await issuer.close();
  });

  const get = async (path: string) => {
    const res = await fetch(`${server.url}/ct/v1/${path}`);
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  it('get-sth is signed over TreeHeadSignature with the CT key and matches the tree', async () => {
    const { status, json } = await get('get-sth');
    assert.equal(status, 200);
    assert.equal(json.tree_size, 5);
    const root = unb64(json.sha256_root_hash as string);
    assert.deepEqual(root, t.ctTree.checkpoint.root);
    const ds = new TlsReader(unb64(json.tree_head_signature as string));
    assert.equal(ds.u8(), 4);
    assert.equal(ds.u8(), 3);
    const sig = ds.vec16();
    ds.end();
    const input = treeHeadSignatureInput(BigInt(json.timestamp as number), 5n, root);
    assert.ok(verify('sha256', input, { key: Buffer.from(ctSigner().publicKeyDer), format: 'der', type: 'spki', dsaEncoding: 'der' }, sig));
  });

  it('every issued certificate has an SCT that verifies (sigstore-js rebuilds the precert TBS) and its precert is in the log', async () => {
    const { json } = await get('get-entries?start=0&end=4');
    const entries = json.entries as { leaf_input: string; extra_data: string }[];
    assert.equal(entries.length, 5);
    const intermediate = SigstoreCertificate.parse(Buffer.from(caMaterial().chain[0]!.der));
    for (let i = 0; i < 5; i++) {
      const cert = SigstoreCertificate.parse(leaves[i]!);
      const scts = cert.extSCT!.signedCertificateTimestamps;
      assert.equal(scts.length, 1);
      // Rebuild the PreCert as sigstore-js does: SHA-256(issuer SPKI) ‖ u24 len ‖ TBS without the SCT list.
      const clone = cert.clone();
      clone.extensions.splice(clone.extensions.length - 1, 1);
      const tbs = clone.tbsCertificate.toDER();
      const preCert = Buffer.concat([sha256(intermediate.publicKey), Buffer.from([tbs.length >> 16, (tbs.length >> 8) & 255, tbs.length & 255]), tbs]);
      assert.ok(scts[0]!.verify(preCert, createPublicKey(ctSigner().publicKeyPem)), `SCT of certificate ${i}`);
      // The log entry is the precert entry for exactly that TBS and timestamp.
      const leaf = decodeMerkleTreeLeaf(unb64(entries[i]!.leaf_input));
      assert.equal(leaf.entry.type, 'precert_entry');
      assert.equal(leaf.timestamp, scts[0]!.timestamp.readBigUInt64BE());
      if (leaf.entry.type === 'precert_entry') {
        assert.deepEqual(Buffer.from(leaf.entry.tbsCertificate), tbs);
        assert.deepEqual(leaf.entry.issuerKeyHash, sha256(intermediate.publicKey));
      }
      // extra_data: PrecertChainEntry {pre_certificate, chain [intermediate, root]}.
      const extra = new TlsReader(unb64(entries[i]!.extra_data));
      // (src/x509 parseCertificate cannot take an empty subject, so the ASN.1 is read directly.)
      const precert = AsnConvert.parse(extra.vec24(1), Certificate);
      assert.equal(precert.tbsCertificate.extensions!.at(-1)!.extnID, '1.3.6.1.4.1.11129.2.4.3');
      const chain = new TlsReader(extra.vec24());
      extra.end();
      assert.deepEqual(chain.vec24(), caMaterial().chain[0]!.der);
      assert.deepEqual(chain.vec24(), caMaterial().chain[1]!.der);
      chain.end();
    }
  });

  it('get-proof-by-hash and get-sth-consistency proofs verify', async () => {
    const { json } = await get('get-entries?start=0&end=4');
    const entries = json.entries as { leaf_input: string }[];
    const root5 = t.ctTree.checkpoint.root;
    for (let i = 0; i < 5; i++) {
      const h = hashLeaf(unb64(entries[i]!.leaf_input));
      const r = await get(`get-proof-by-hash?hash=${encodeURIComponent(b64(h))}&tree_size=5`);
      assert.equal(r.status, 200);
      assert.equal(r.json.leaf_index, i);
      assert.ok(verifyInclusion(BigInt(i), 5n, h, (r.json.audit_path as string[]).map(unb64), root5));
    }
    const root3 = await t.ctTree.rootAt(3n);
    const c = await get('get-sth-consistency?first=3&second=5');
    assert.equal(c.status, 200);
    assert.ok(verifyConsistency(3n, 5n, (c.json.consistency as string[]).map(unb64), root3, root5));
    assert.deepEqual((await get('get-sth-consistency?first=0&second=5')).json, { consistency: [] });
  });

  it('get-roots lists the CA root', async () => {
    const { json } = await get('get-roots');
    assert.deepEqual(json.certificates, [b64(caMaterial().chain[1]!.der)]);
  });

  it('bad parameters are 400 {code, message}; an unknown hash is 404', async () => {
    const cases = [
      'get-sth-consistency?first=4&second=3',
      'get-sth-consistency?first=1',
      'get-sth-consistency?first=1&second=99',
      'get-sth-consistency?first=-1&second=3',
      'get-sth-consistency?first=1x&second=3',
      'get-sth-consistency?first=1&first=2&second=3',
      'get-entries?start=3&end=1',
      'get-entries?start=99&end=100',
      'get-entries?start=0',
      'get-entries?start=a&end=1',
      'get-proof-by-hash?hash=abc&tree_size=5',
      `get-proof-by-hash?hash=${encodeURIComponent(b64(new Uint8Array(32)))}&tree_size=0`,
      `get-proof-by-hash?hash=${encodeURIComponent(b64(new Uint8Array(32)))}&tree_size=6`,
      `get-proof-by-hash?hash=${encodeURIComponent(b64(new Uint8Array(32)))}`,
      'get-entries?start=99999999999999999999&end=1',
    ];
    for (const path of cases) {
      const r = await get(path);
      assert.equal(r.status, 400, path);
      assert.equal(r.json.code, 400);
      assert.equal(typeof r.json.message, 'string');
    }
    const r = await get(`get-proof-by-hash?hash=${encodeURIComponent(b64(new Uint8Array(32)))}&tree_size=5`);
    assert.equal(r.status, 404);
    // get-entries clips to the tree and returns at most the available entries.
    assert.equal(((await get('get-entries?start=3&end=100')).json.entries as unknown[]).length, 2);
  });

  it('add-chain and add-pre-chain accept this CA\'s certificates, dedupe resubmissions, and refuse others without logging', async () => {
    const m = caMaterial();
    const chainB64 = m.chain.map((c) => b64(c.der));
    const leafDer = new Uint8Array(Buffer.from(leaves[0]!.replace(/-----[^-]+-----|\s/g, ''), 'base64'));
    const size0 = t.ctTree.size;
    const r1 = await post(`${server.url}/ct/v1/add-chain`, { chain: [b64(leafDer), ...chainB64] });
    assert.equal(r1.status, 200, r1.text);
    assert.equal(r1.json.sct_version, 0);
    assert.equal(r1.json.id, b64(t.ca.ctLog!.logId));
    assert.equal(t.ctTree.size, size0 + 1n);
    const again = await post(`${server.url}/ct/v1/add-chain`, { chain: [b64(leafDer)] });
    assert.equal(again.status, 200);
    assert.equal(again.json.timestamp, r1.json.timestamp, 'a resubmission gets the logged timestamp');
    assert.equal(t.ctTree.size, size0 + 1n, 'and no new entry');

    const builder = new LeafCertificateBuilder(leafIssuer(m.chain[0]!, m.privateKey), {
      subjectPublicKeyInfo: new Uint8Array(key.publicKey.export({ type: 'spki', format: 'der' })),
      serialNumber: Uint8Array.of(0x42),
      notBefore: new Date(),
      san: { type: 'email', value: 'pre@example.com' },
      sigstore: { issuer: issuer.url },
    });
    const precert = builder.precertificate();
    const r2 = await post(`${server.url}/ct/v1/add-pre-chain`, { chain: [b64(precert), ...chainB64] });
    assert.equal(r2.status, 200, r2.text);
    assert.equal(t.ctTree.size, size0 + 2n);
    const { json } = await get(`get-entries?start=${size0 + 1n}&end=${size0 + 1n}`);
    const leaf = decodeMerkleTreeLeaf(unb64((json.entries as { leaf_input: string }[])[0]!.leaf_input));
    assert.equal(leaf.entry.type, 'precert_entry');
    if (leaf.entry.type === 'precert_entry') assert.deepEqual(leaf.entry.tbsCertificate, builder.tbsForCt, 'the poison-free TBS');

    const other = generateCaChain({ now: new Date(), curve: 'P-256' });
    const foreign = new LeafCertificateBuilder(leafIssuer(other.chain[0]!, other.privateKey), {
      subjectPublicKeyInfo: new Uint8Array(key.publicKey.export({ type: 'spki', format: 'der' })),
      serialNumber: Uint8Array.of(1),
      notBefore: new Date(),
      san: { type: 'email', value: 'x@example.com' },
      sigstore: { issuer: issuer.url },
    });
    const size1 = t.ctTree.size;
    const refused = [
      ['add-chain', { chain: [b64(foreign.certificateWithoutSct()), ...chainB64] }],
      ['add-chain', { chain: [b64(foreign.certificateWithoutSct()), ...other.chain.map((c) => b64(c.der))] }],
      ['add-chain', { chain: [b64(precert), ...chainB64] }],
      ['add-pre-chain', { chain: [b64(leafDer), ...chainB64] }],
      ['add-pre-chain', { chain: [b64(foreign.precertificate())] }],
      ['add-chain', { chain: [] }],
      ['add-chain', { chain: ['not base64!'] }],
      ['add-chain', { chain: [b64(Uint8Array.of(1, 2, 3))] }],
      ['add-chain', { chain: [b64(Uint8Array.of(...leafDer, 0))] }],
      ['add-chain', {}],
    ] as const;
    for (const [path, body] of refused) {
      const r = await post(`${server.url}/ct/v1/${path}`, body);
      assert.equal(r.status, 400, `${path} ${JSON.stringify(body).slice(0, 80)}: ${r.text}`);
      assert.equal(r.json.code, 400);
    }
    assert.equal(t.ctTree.size, size1, 'nothing was logged');
  });
});
