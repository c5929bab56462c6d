import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AsnConvert } from '@peculiar/asn1-schema';
import { TimeStampReq } from '@peculiar/asn1-tsp';
import { certificatesToPem, generateTsaChain } from '../../src/x509/index.ts';
import { EXTRA_POLICY, makeTsa, material, openssl, postTimestamp, type Server, startServer } from './helpers.ts';

/**
 * `openssl ts` as an independent RFC 3161 client: query → POST over HTTP → verify, against the
 * chain published at /api/v1/timestamp/certchain.
 */
describe('openssl ts against the TSA over HTTP', () => {
  let server: Server;
  let dir: string;

  before(async () => {
    server = await startServer(makeTsa());
    dir = await mkdtemp(join(tmpdir(), 'provenant-tsa-openssl-'));
    const chainPem = await (await fetch(`${server.url}/api/v1/timestamp/certchain`)).text();
    const [leaf, intermediate, root] = material().chain;
    // The published chain is leaf, intermediate, root: split it the way an operator would.
    assert.equal(chainPem, certificatesToPem([leaf!, intermediate!, root!]));
    await writeFile(join(dir, 'root.pem'), certificatesToPem([root!]));
    await writeFile(join(dir, 'untrusted.pem'), certificatesToPem([leaf!, intermediate!]));
    await writeFile(join(dir, 'intermediate.pem'), certificatesToPem([intermediate!]));
    await writeFile(join(dir, 'artifact.txt'), 'the artifact to timestamp\n');
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function timestamp(name: string, queryArgs: string[]): Promise<string> {
    await openssl(['ts', '-query', '-data', 'artifact.txt', ...queryArgs, '-out', `${name}.tsq`], dir);
    const q = await readFile(join(dir, `${name}.tsq`));
    const res = await postTimestamp(server.url, 'application/timestamp-query', q);
    assert.equal(res.status, 200, Buffer.from(res.bytes).toString());
    assert.equal(res.contentType, 'application/timestamp-reply');
    await writeFile(join(dir, `${name}.tsr`), res.bytes);
    return openssl(['ts', '-reply', '-in', `${name}.tsr`, '-text'], dir);
  }

  const verify = (args: string[]) => openssl(['ts', '-verify', ...args, '-CAfile', 'root.pem'], dir);

  it('-sha256 -cert: Verification: OK with -queryfile and with -data', async () => {
    const text = await timestamp('cert', ['-sha256', '-cert']);
    assert.match(text, /Status: Granted\./);
    assert.match(await verify(['-queryfile', 'cert.tsq', '-in', 'cert.tsr', '-untrusted', 'untrusted.pem']), /Verification: OK/);
    assert.match(await verify(['-data', 'artifact.txt', '-in', 'cert.tsr', '-untrusted', 'untrusted.pem']), /Verification: OK/);
    // The token embeds the leaf, so the intermediate alone is enough as untrusted material.
    assert.match(await verify(['-data', 'artifact.txt', '-in', 'cert.tsr', '-untrusted', 'intermediate.pem']), /Verification: OK/);
  });

  it('without -cert the token carries no certificate and verifies with the published leaf', async () => {
    await timestamp('nocert', ['-sha256']);
    assert.match(await verify(['-data', 'artifact.txt', '-in', 'nocert.tsr', '-untrusted', 'untrusted.pem']), /Verification: OK/);
    await assert.rejects(verify(['-data', 'artifact.txt', '-in', 'nocert.tsr', '-untrusted', 'intermediate.pem']), /signer certificate not found/);
  });

  it('round-trips the nonce and the default policy', async () => {
    const text = await timestamp('nonce', ['-sha256', '-cert']);
    const q = AsnConvert.parse(await readFile(join(dir, 'nonce.tsq')), TimeStampReq);
    assert.equal(printedNonce(text), BigInt(`0x${Buffer.from(q.nonce!).toString('hex')}`));
    assert.match(text, /Policy OID: 1\.3\.6\.1\.4\.1\.57264\.2\n/);
    assert.match(text, /TSA: DirName:\/O=provenant\/CN=provenant TSA/);
    assert.match(text, /Accuracy: 0x01 seconds/);
    // whole seconds: openssl prints fractions when genTime has them
    assert.match(text, /Time stamp: \w{3} +\d+ \d\d:\d\d:\d\d \d{4} GMT\n/);
    assert.match(await verify(['-queryfile', 'nonce.tsq', '-in', 'nonce.tsr', '-untrusted', 'untrusted.pem']), /Verification: OK/);
  });

  it('round-trips a requested accepted policy; -queryfile checks it', async () => {
    const text = await timestamp('policy', ['-sha384', '-cert', '-tspolicy', EXTRA_POLICY]);
    assert.match(text, new RegExp(`Policy OID: ${EXTRA_POLICY.replaceAll('.', '\\.')}\\n`));
    assert.match(text, /Hash Algorithm: sha384/);
    assert.match(await verify(['-queryfile', 'policy.tsq', '-in', 'policy.tsr', '-untrusted', 'untrusted.pem']), /Verification: OK/);
  });

  it('sha512 and -no_nonce', async () => {
    await timestamp('sha512', ['-sha512', '-no_nonce']);
    assert.match(await verify(['-queryfile', 'sha512.tsq', '-in', 'sha512.tsr', '-untrusted', 'untrusted.pem']), /Verification: OK/);
  });

  it('the JSON form verifies with -data', async () => {
    const data = await readFile(join(dir, 'artifact.txt'));
    // A nonce beyond 2^53 as a JSON number (what Go's big.Int produces): every digit must survive.
    const artifactHash = createHash('sha256').update(data).digest('base64');
    const body = `{"artifactHash":"${artifactHash}","hashAlgorithm":"sha256","certificates":true,"nonce":123456789012345678901234567890}`;
    const res = await postTimestamp(server.url, 'application/json', body);
    assert.equal(res.status, 200, Buffer.from(res.bytes).toString());
    await writeFile(join(dir, 'json.tsr'), res.bytes);
    const text = await openssl(['ts', '-reply', '-in', 'json.tsr', '-text'], dir);
    assert.equal(printedNonce(text), 123456789012345678901234567890n);
    assert.match(await verify(['-data', 'artifact.txt', '-in', 'json.tsr', '-untrusted', 'untrusted.pem']), /Verification: OK/);
  });

  it('negative controls: wrong data, another query, another root all fail', async () => {
    await timestamp('neg', ['-sha256', '-cert']);
    await timestamp('other', ['-sha256', '-cert']);
    await writeFile(join(dir, 'other.txt'), 'something else\n');
    await assert.rejects(verify(['-data', 'other.txt', '-in', 'neg.tsr', '-untrusted', 'untrusted.pem']), /message imprint mismatch/);
    await assert.rejects(verify(['-queryfile', 'other.tsq', '-in', 'neg.tsr', '-untrusted', 'untrusted.pem']), /nonce mismatch/);
    const otherRoot = generateTsaChain({ now: new Date() }).chain[2]!;
    await writeFile(join(dir, 'wrong-root.pem'), certificatesToPem([otherRoot]));
    await assert.rejects(
      openssl(['ts', '-verify', '-data', 'artifact.txt', '-in', 'neg.tsr', '-CAfile', 'wrong-root.pem', '-untrusted', 'untrusted.pem'], dir),
      /unable to get local issuer certificate/,
    );
  });
});

function printedNonce(text: string): bigint {
  const m = /Nonce: 0x([0-9A-F]+)\n/.exec(text);
  assert.ok(m, `no nonce in:\n${text}`);
  return BigInt(`0x${m[1]}`);
}
