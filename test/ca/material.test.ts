import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { id_kp_codeSigning, id_kp_timeStamping } from '@peculiar/asn1-x509';
import { createCertificateAuthority } from '../../src/ca/create.ts';
import { parseV2Request } from '../../src/ca/request.ts';
import { ProvenantError } from '../../src/errors.ts';
import { buildCertificate, extensions, keyIdentifier } from '../../src/x509/build.ts';
import { parseCertificate } from '../../src/x509/certificate.ts';
import { CA_FILES, loadCaMaterialFromFiles, loadOrCreateCaMaterial, validateCaChain } from '../../src/x509/ca-material.ts';
import { buildName } from '../../src/x509/name.ts';
import { encodePem } from '../../src/encoding/pem.ts';
import { caMaterial, clientKey, TestIssuer, testConfig, v2Body } from './helpers.ts';

const clock = { now: () => new Date() };

describe('CA material', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'provenant-ca-material-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('generates a P-384 root + intermediate into the data dir on first start, then loads the same files', async () => {
    const d = join(dir, 'dev');
    const first = await loadOrCreateCaMaterial({ dir: d, clock });
    assert.equal(first.created, true);
    assert.equal(first.chain.length, 2);
    assert.equal(first.chain[0]!.publicKey.asymmetricKeyDetails!.namedCurve, 'secp384r1');
    assert.equal((await stat(join(d, CA_FILES.key))).mode & 0o777, 0o600);
    const second = await loadOrCreateCaMaterial({ dir: d, clock });
    assert.equal(second.created, false);
    assert.deepEqual(second.chain.map((c) => c.der), first.chain.map((c) => c.der));
    await unlink(join(d, CA_FILES.root));
    await assert.rejects(loadOrCreateCaMaterial({ dir: d, clock }), /incomplete/);
  });

  it('loads production PEM files and refuses chains Fulcio would refuse', async () => {
    const m = caMaterial();
    const chainPath = join(dir, 'chain.pem');
    const keyPath = join(dir, 'key.pem');
    await writeFile(chainPath, m.chain.map((c) => encodePem('CERTIFICATE', c.der)).join(''));
    await writeFile(keyPath, m.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const loaded = await loadCaMaterialFromFiles({ chainPath, keyPath });
    assert.deepEqual(loaded.chain.map((c) => c.der), m.chain.map((c) => c.der));

    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assert.throws(() => validateCaChain(m.chain, { privateKey: other.privateKey }), /does not match the CA private key/);
    assert.throws(() => validateCaChain([m.chain[0]!]), /is not self-issued/);
    assert.throws(() => validateCaChain([...m.chain].reverse()), /was not issued by/);
    assert.throws(() => validateCaChain(m.chain, { now: new Date(Date.now() + 20 * 365 * 86_400_000) }), /is not valid now/);

    // Intermediates without the codeSigning EKU, restricted to timeStamping, or not a CA.
    const now = new Date();
    const rootKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const rootName = buildName({ commonName: 'r' });
    const rootDer = parseCertificate(
      buildCertificate(
        {
          subject: rootName,
          issuer: rootName,
          notBefore: now,
          notAfter: new Date(now.getTime() + 86_400_000),
          publicKey: rootKeys.publicKey,
          extensions: [extensions.basicConstraints({ ca: true, critical: true }), extensions.subjectKeyIdentifier(keyIdentifier(rootKeys.publicKey))],
        },
        rootKeys.privateKey,
      ),
    );
    const intermediate = (eku: string[] | undefined, ca = true) => {
      const k = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const exts = [extensions.basicConstraints({ ca, critical: true })];
      if (eku) exts.push(extensions.extendedKeyUsage(eku, false));
      return {
        key: k.privateKey,
        cert: parseCertificate(
          buildCertificate({ subject: buildName({ commonName: 'i' }), issuer: rootName, notBefore: now, notAfter: new Date(now.getTime() + 86_400_000), publicKey: k.publicKey, extensions: exts }, rootKeys.privateKey),
        ),
      };
    };
    const good = intermediate([id_kp_codeSigning]);
    validateCaChain([good.cert, rootDer], { now, privateKey: good.key });
    const noEku = intermediate(undefined);
    assert.throws(() => validateCaChain([noEku.cert, rootDer], { privateKey: noEku.key }), /EKU chaining/);
    const tsOnly = intermediate([id_kp_timeStamping]);
    assert.throws(() => validateCaChain([tsOnly.cert, rootDer], { privateKey: tsOnly.key }), /does not allow codeSigning/);
    const notCa = intermediate([id_kp_codeSigning], false);
    assert.throws(() => validateCaChain([notCa.cert, rootDer], { privateKey: notCa.key }), (e: unknown) => e instanceof ProvenantError && /not a CA certificate/.test(e.message));
  });

  it('createCertificateAuthority: both files or neither; from files; without a CT log certificates are detached', async () => {
    const issuer = await TestIssuer.start();
    try {
      const config = testConfig(issuer.url, `${issuer.url}/gh`);
      await assert.rejects(createCertificateAuthority({ dataDir: dir, chainPath: 'x', caConfig: config, ctLog: undefined, clock }), /both the chain file and the key file/);
      const m = caMaterial();
      const chainPath = join(dir, 'chain2.pem');
      const keyPath = join(dir, 'key2.pem');
      await writeFile(chainPath, m.chain.map((c) => encodePem('CERTIFICATE', c.der)).join(''));
      await writeFile(keyPath, m.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      const ca = await createCertificateAuthority({ dataDir: dir, chainPath, keyPath, caConfig: config, ctLog: undefined, clock });
      const key = clientKey();
      const token = await issuer.mint({ sub: 's', email: 'a@example.com', email_verified: true });
      const issued = await ca.issue(parseV2Request(v2Body(token, key, 'a@example.com'), undefined));
      assert.equal(issued.embeddedSct, false);
      assert.equal(issued.chainPem.length, 3);
      assert.ok(!(await readFile(chainPath, 'utf8')).includes('PRIVATE'));
      const devCa = await createCertificateAuthority({ dataDir: join(dir, 'dev2'), caConfig: config, ctLog: undefined, clock, curve: 'P-256' });
      assert.equal(devCa.chain.length, 2);
    } finally {
      await issuer.close();
    }
  });
});
