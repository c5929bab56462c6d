import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { OctetString } from '@peculiar/asn1-schema';
import { Extension, id_kp_codeSigning, id_kp_timeStamping } from '@peculiar/asn1-x509';
import { RFC3161Timestamp } from '@sigstore/core';
import { createHash } from 'node:crypto';
import {
  buildCertificate,
  buildName,
  certificatesToPem,
  extensions as ext,
  generateTsaChain,
  keyIdentifier,
  loadOrCreateTsaMaterial,
  loadTsaMaterialFromFiles,
  type Certificate,
  parseCertificate,
  parseCertificatesPem,
  TSA_FILES,
  type TsaMaterial,
  validateTsaChain,
} from '../../src/x509/index.ts';
import { decodePem, encodePem } from '../../src/encoding/pem.ts';
import { makeTsa, openssl, withTempDir } from './helpers.ts';

const NOW = new Date();
const YEAR = 365 * 86_400_000;
type Keys = { publicKey: KeyObject; privateKey: KeyObject };
const ec = (curve = 'P-256'): Keys => generateKeyPairSync('ec', { namedCurve: curve });

interface ChainOptions {
  leafKeys?: Keys;
  leafExtensions?: (kid: Uint8Array) => Extension[];
  intermediateExtensions?: (kid: Uint8Array, rootKid: Uint8Array) => Extension[];
  rootPathLength?: number;
  notAfter?: Date;
}

const rootKeys = ec('P-384');
const intKeys = ec('P-384');
const rootName = buildName({ organization: 'test', commonName: 'root' });
const intName = buildName({ organization: 'test', commonName: 'intermediate' });

/** A chain like generateTsaChain's, with any part replaceable. Returns it leaf first. */
function chain(o: ChainOptions = {}): { chain: Certificate[]; privateKey: KeyObject } {
  const notBefore = new Date(NOW.getTime() - 60_000);
  const notAfter = o.notAfter ?? new Date(NOW.getTime() + YEAR);
  const rootKid = keyIdentifier(rootKeys.publicKey);
  const intKid = keyIdentifier(intKeys.publicKey);
  const root = buildCertificate(
    {
      subject: rootName,
      issuer: rootName,
      notBefore,
      notAfter,
      publicKey: rootKeys.publicKey,
      extensions: [
        ext.keyUsage(['keyCertSign', 'cRLSign'], true),
        ext.basicConstraints({ ca: true, critical: true, ...(o.rootPathLength === undefined ? {} : { pathLength: o.rootPathLength }) }),
        ext.subjectKeyIdentifier(rootKid),
      ],
    },
    rootKeys.privateKey,
  );
  const intermediate = buildCertificate(
    {
      subject: intName,
      issuer: rootName,
      notBefore,
      notAfter,
      publicKey: intKeys.publicKey,
      extensions: o.intermediateExtensions?.(intKid, rootKid) ?? [
        ext.keyUsage(['keyCertSign', 'cRLSign'], true),
        ext.extendedKeyUsage([id_kp_timeStamping], false),
        ext.basicConstraints({ ca: true, pathLength: 0, critical: true }),
        ext.subjectKeyIdentifier(intKid),
        ext.authorityKeyIdentifier(rootKid),
      ],
    },
    rootKeys.privateKey,
  );
  const leafKeys = o.leafKeys ?? ec();
  const leafKid = keyIdentifier(leafKeys.publicKey);
  const leaf = buildCertificate(
    {
      subject: buildName({ organization: 'test', commonName: 'tsa' }),
      issuer: intName,
      notBefore,
      notAfter,
      publicKey: leafKeys.publicKey,
      extensions: [...(o.leafExtensions?.(leafKid) ?? leafExtensions()), ext.authorityKeyIdentifier(intKid)],
    },
    intKeys.privateKey,
  );
  return { chain: [leaf, intermediate, root].map(parseCertificate), privateKey: leafKeys.privateKey };
}

function leafExtensions(o: { ku?: Parameters<typeof ext.keyUsage>[0] | null; eku?: string[] | null; ekuCritical?: boolean; ca?: boolean; extra?: Extension[] } = {}): Extension[] {
  return [
    ...(o.ku === null ? [] : [ext.keyUsage(o.ku ?? ['digitalSignature'], true)]),
    ...(o.eku === null ? [] : [ext.extendedKeyUsage(o.eku ?? [id_kp_timeStamping], o.ekuCritical ?? true)]),
    ext.basicConstraints({ ca: o.ca ?? false, critical: true }),
    ...(o.extra ?? []),
  ];
}

async function opensslAccepts(certs: readonly Certificate[], dir: string): Promise<boolean> {
  await writeFile(join(dir, 'leaf.pem'), certificatesToPem([certs[0]!]));
  await writeFile(join(dir, 'untrusted.pem'), certificatesToPem(certs.slice(1, -1)));
  await writeFile(join(dir, 'root.pem'), certificatesToPem([certs.at(-1)!]));
  try {
    await openssl(['verify', '-purpose', 'timestampsign', '-CAfile', 'root.pem', '-untrusted', 'untrusted.pem', 'leaf.pem'], dir);
    return true;
  } catch {
    return false;
  }
}

describe('validateTsaChain agrees with `openssl verify -purpose timestampsign` on the leaf profile', () => {
  const variants: [string, () => ReturnType<typeof chain>, RegExp | null, boolean | 'n/a'][] = [
    ['the recommended profile', () => chain(), null, true],
    ['EKU not critical', () => chain({ leafExtensions: () => leafExtensions({ ekuCritical: false }) }), /must be marked critical/, false],
    ['no EKU', () => chain({ leafExtensions: () => leafExtensions({ eku: null }) }), /has no ExtendedKeyUsage/, false],
    ['EKU timeStamping + codeSigning', () => chain({ leafExtensions: () => leafExtensions({ eku: [id_kp_timeStamping, id_kp_codeSigning] }) }), /exactly timeStamping/, false],
    ['KU digitalSignature + keyEncipherment', () => chain({ leafExtensions: () => leafExtensions({ ku: ['digitalSignature', 'keyEncipherment'] }) }), /KeyUsage must be/, false],
    ['KU nonRepudiation only', () => chain({ leafExtensions: () => leafExtensions({ ku: ['nonRepudiation'] }) }), null, true],
    ['no KU', () => chain({ leafExtensions: () => leafExtensions({ ku: null }) }), null, true],
    ['unknown critical extension', () => chain({ leafExtensions: () => leafExtensions({ extra: [new Extension({ extnID: '1.2.3.4', critical: true, extnValue: new OctetString(new Uint8Array([5, 0])) })] }) }), /unsupported critical extension 1\.2\.3\.4/, false],
    // Stricter than openssl, as RFC 3161 §2.3 and Sigstore's TSA are:
    ['leaf is a CA', () => chain({ leafExtensions: () => leafExtensions({ ca: true }) }), /end-entity/, 'n/a'],
    [
      'intermediate without the timeStamping EKU',
      () =>
        chain({
          intermediateExtensions: (kid, rootKid) => [
            ext.keyUsage(['keyCertSign'], true),
            ext.basicConstraints({ ca: true, critical: true }),
            ext.subjectKeyIdentifier(kid),
            ext.authorityKeyIdentifier(rootKid),
          ],
        }),
      /intermediate must include the timeStamping/,
      'n/a',
    ],
    [
      'intermediate that is not a CA',
      () =>
        chain({
          intermediateExtensions: (kid, rootKid) => [ext.extendedKeyUsage([id_kp_timeStamping], false), ext.subjectKeyIdentifier(kid), ext.authorityKeyIdentifier(rootKid)],
        }),
      /not a CA certificate/,
      false,
    ],
    ['root pathlen 0 with an intermediate below', () => chain({ rootPathLength: 0 }), /pathLenConstraint 0 is exceeded/, false],
  ];

  for (const [name, make, reject, opensslVerdict] of variants) {
    it(name, async () => {
      const { chain: certs, privateKey } = make();
      if (reject === null) validateTsaChain(certs, { now: NOW, privateKey });
      else assert.throws(() => validateTsaChain(certs, { now: NOW, privateKey }), { code: 'invalid_argument', message: reject });
      if (opensslVerdict !== 'n/a') {
        await withTempDir(async (dir) => assert.equal(await opensslAccepts(certs, dir), opensslVerdict, 'openssl verdict'));
      }
    });
  }
});

describe('validateTsaChain: chain-level checks', () => {
  const good = chain();
  const check = (certs: readonly Certificate[], message: RegExp, opts: Parameters<typeof validateTsaChain>[1] = { now: NOW }) =>
    assert.throws(() => validateTsaChain(certs, opts), { code: 'invalid_argument', message });

  it('needs at least leaf and root', () => check(good.chain.slice(0, 1), /at least 2/));
  it('wrong order', () => check([...good.chain].reverse(), /not issued by the next|is a CA|ExtendedKeyUsage/));
  it('missing intermediate', () => check([good.chain[0]!, good.chain[2]!], /not issued by the next/));
  it('last certificate is not self-signed', () => check(good.chain.slice(0, 2), /not self-issued/));
  it('a key that is not the leaf key', () => check(good.chain, /does not match the TSA private key/, { now: NOW, privateKey: ec().privateKey }));
  it('expired and not yet valid', () => {
    check(good.chain, /is not valid now/, { now: new Date(NOW.getTime() + 2 * YEAR) });
    check(good.chain, /is not valid now/, { now: new Date(NOW.getTime() - YEAR) });
  });
  it('forged signature: an intermediate re-signed by another key', () => {
    const other = chain();
    // same names, different root key material: other.chain[1] was signed by rootKeys too, so build a fake root instead
    const fakeRootKeys = ec('P-384');
    const fakeRoot = parseCertificate(
      buildCertificate(
        { subject: rootName, issuer: rootName, notBefore: new Date(NOW.getTime() - 1000), notAfter: new Date(NOW.getTime() + YEAR), publicKey: fakeRootKeys.publicKey, extensions: [ext.basicConstraints({ ca: true, critical: true })] },
        fakeRootKeys.privateKey,
      ),
    );
    check([other.chain[0]!, other.chain[1]!, fakeRoot], /signature does not verify|not issued/);
  });
  it('lists every problem at once', () => {
    const bad = chain({ leafExtensions: () => leafExtensions({ ekuCritical: false, ku: ['keyEncipherment'] }) });
    check(bad.chain, /must be marked critical.*KeyUsage must be|KeyUsage must be.*must be marked critical/);
  });
  it('RSA leaf keys: 2048 accepted, 1024 refused', () => {
    const rsa = (bits: number) => generateKeyPairSync('rsa', { modulusLength: bits });
    const ok = chain({ leafKeys: rsa(2048) });
    validateTsaChain(ok.chain, { now: NOW, privateKey: ok.privateKey });
    const weak = chain({ leafKeys: rsa(1024) });
    check(weak.chain, /too small/, { now: NOW, privateKey: weak.privateKey });
  });
  it('Ed25519 leaf keys are refused (sigstore-js cannot verify them in timestamps)', () => {
    const ed = chain({ leafKeys: generateKeyPairSync('ed25519') });
    check(ed.chain, /unsupported key type ed25519/);
  });
});

describe('an RSA TSA', () => {
  it('issues tokens openssl and @sigstore/core verify', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const mat: TsaMaterial = chain({ leafKeys: rsa });
    const tsa = makeTsa({ mat });
    const data = Buffer.from('rsa-signed');
    const token = await tsa.issue({ hashAlgorithm: 'sha256', hashParameters: 'null', hashedMessage: createHash('sha256').update(data).digest(), nonce: 1n, certReq: true, policy: undefined });
    RFC3161Timestamp.parse(Buffer.from(token)).verify(data, mat.chain[0]!.publicKey);
    await withTempDir(async (dir) => {
      await writeFile(join(dir, 'r.tsr'), token);
      await writeFile(join(dir, 'data'), data);
      await writeFile(join(dir, 'root.pem'), certificatesToPem([mat.chain[2]!]));
      await writeFile(join(dir, 'untrusted.pem'), certificatesToPem(mat.chain.slice(0, 2)));
      assert.match(await openssl(['ts', '-verify', '-in', 'r.tsr', '-data', 'data', '-CAfile', 'root.pem', '-untrusted', 'untrusted.pem'], dir), /Verification: OK/);
    });
  });
});

describe('PEM and certificate parsing', () => {
  const [leaf] = chain().chain;
  it('round-trips PEM and rejects malformed blocks', () => {
    const pem = encodePem('CERTIFICATE', leaf!.der);
    assert.deepEqual(parseCertificatesPem(`subject=whatever\n${pem}`).map((c) => Buffer.from(c.der)), [Buffer.from(leaf!.der)]);
    assert.throws(() => parseCertificatesPem(''), /no PEM/);
    assert.throws(() => parseCertificatesPem(pem.replace('END CERTIFICATE', 'END X509 CRL')), /closed by END|unbalanced/);
    assert.throws(() => parseCertificatesPem(pem.replace(/\n-----END/, '!\n-----END')), /base64/);
    assert.throws(() => parseCertificatesPem(pem.replace(/-----END CERTIFICATE-----\n$/, '')), /unbalanced/);
    assert.throws(() => parseCertificatesPem(encodePem('PRIVATE KEY', leaf!.der)), /expected CERTIFICATE/);
    assert.throws(() => decodePem('-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\n\nAAAA\n-----END X-----\n', { mode: 'lenient' }), /headers/);
  });
  it('rejects trailing bytes and garbage', () => {
    assert.throws(() => parseCertificate(new Uint8Array([...leaf!.der, 0])), /trailing data/);
    assert.throws(() => parseCertificate(new Uint8Array([1, 2, 3])), /invalid certificate: truncated DER element/);
  });
});

describe('TSA material on disk', () => {
  const clock = { now: () => new Date() };

  it('loadOrCreateTsaMaterial writes four files (key 0600) once and loads the same afterwards', async () => {
    await withTempDir(async (root) => {
      const dir = join(root, 'data');
      const logs: string[] = [];
      const log = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(`WARN ${m}`) };
      const first = await loadOrCreateTsaMaterial({ dir, clock, log });
      assert.equal(first.created, true);
      assert.equal((await stat(join(dir, TSA_FILES.key))).mode & 0o777, 0o600);
      for (const f of Object.values(TSA_FILES)) assert.ok((await readFile(join(dir, f), 'utf8')).startsWith('-----BEGIN '));
      const second = await loadOrCreateTsaMaterial({ dir, clock, log });
      assert.equal(second.created, false);
      assert.deepEqual(second.chain.map((c) => Buffer.from(c.der)), first.chain.map((c) => Buffer.from(c.der)));
      assert.ok(second.privateKey.equals(first.privateKey));
      assert.deepEqual(logs.filter((l) => l.startsWith('WARN')), []);

      // openssl accepts the generated chain for time stamping
      assert.match(
        await openssl(['verify', '-purpose', 'timestampsign', '-CAfile', TSA_FILES.root, '-untrusted', TSA_FILES.intermediate, TSA_FILES.leaf], dir),
        /OK/,
      );

      await unlink(join(dir, TSA_FILES.intermediate));
      await assert.rejects(loadOrCreateTsaMaterial({ dir, clock }), { code: 'invalid_argument', message: /incomplete \(missing .*tsa-intermediate\.pem\)/ });
    });
  });

  it('loadOrCreateTsaMaterial refuses tampered files', async () => {
    await withTempDir(async (dir) => {
      await loadOrCreateTsaMaterial({ dir, clock });
      const other = generateTsaChain({ now: new Date() });
      await writeFile(join(dir, TSA_FILES.key), other.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      await assert.rejects(loadOrCreateTsaMaterial({ dir, clock }), { code: 'invalid_argument', message: /does not match the TSA private key/ });
    });
  });

  it('loadTsaMaterialFromFiles loads an openssl-made chain and a SEC1 key; warns about a readable key', async () => {
    await withTempDir(async (dir) => {
      await mkdir(dir, { recursive: true });
      await writeFile(
        join(dir, 'ext.cnf'),
        [
          '[root]', 'basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash',
          '[int]', 'basicConstraints=critical,CA:TRUE,pathlen:0', 'keyUsage=critical,keyCertSign,cRLSign', 'extendedKeyUsage=timeStamping', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid',
          '[leaf]', 'basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=critical,timeStamping', 'subjectKeyIdentifier=hash', 'authorityKeyIdentifier=keyid',
          '',
        ].join('\n'),
      );
      const o = (args: string[]) => openssl(args, dir);
      await o(['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', 'root.key']);
      await o(['req', '-new', '-x509', '-key', 'root.key', '-subj', '/O=ossl/CN=root', '-days', '30', '-out', 'root.pem', '-extensions', 'root', '-config', 'ext.cnf']);
      await o(['ecparam', '-name', 'secp384r1', '-genkey', '-noout', '-out', 'int.key']);
      await o(['req', '-new', '-key', 'int.key', '-subj', '/O=ossl/CN=int', '-out', 'int.csr']);
      await o(['x509', '-req', '-in', 'int.csr', '-CA', 'root.pem', '-CAkey', 'root.key', '-CAcreateserial', '-days', '30', '-extfile', 'ext.cnf', '-extensions', 'int', '-out', 'int.pem']);
      await o(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'leaf.key']); // SEC1 "EC PRIVATE KEY"
      await o(['req', '-new', '-key', 'leaf.key', '-subj', '/O=ossl/CN=tsa', '-out', 'leaf.csr']);
      await o(['x509', '-req', '-in', 'leaf.csr', '-CA', 'int.pem', '-CAkey', 'int.key', '-CAcreateserial', '-days', '30', '-extfile', 'ext.cnf', '-extensions', 'leaf', '-out', 'leaf.pem']);
      const chainPem = (await Promise.all(['leaf.pem', 'int.pem', 'root.pem'].map((f) => readFile(join(dir, f), 'utf8')))).join('');
      await writeFile(join(dir, 'chain.pem'), chainPem);
      const warnings: string[] = [];
      const { chmod } = await import('node:fs/promises');
      await chmod(join(dir, 'leaf.key'), 0o644);
      const m = await loadTsaMaterialFromFiles({ chainPath: join(dir, 'chain.pem'), keyPath: join(dir, 'leaf.key'), log: { warn: (w) => warnings.push(w) } });
      assert.equal(m.chain.length, 3);
      assert.match(warnings.join('\n'), /readable by group or others/);
      // and issues tokens with it
      await makeTsa({ mat: m }).issue({ hashAlgorithm: 'sha256', hashParameters: 'null', hashedMessage: new Uint8Array(32), nonce: undefined, certReq: false, policy: undefined });

      await writeFile(join(dir, 'short.pem'), (await readFile(join(dir, 'leaf.pem'), 'utf8')) + (await readFile(join(dir, 'int.pem'), 'utf8')));
      await assert.rejects(loadTsaMaterialFromFiles({ chainPath: join(dir, 'short.pem'), keyPath: join(dir, 'leaf.key') }), /not self-issued/);
      await assert.rejects(loadTsaMaterialFromFiles({ chainPath: join(dir, 'missing.pem'), keyPath: join(dir, 'leaf.key') }), /cannot read/);
      await assert.rejects(loadTsaMaterialFromFiles({ chainPath: join(dir, 'chain.pem'), keyPath: join(dir, 'chain.pem') }), /not an unencrypted PEM private key/);
    });
  });
});
