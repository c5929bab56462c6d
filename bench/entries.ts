/**
 * hashedrekord appends over HTTP with real P-256 signatures (pre-generated; half with a PEM key,
 * half with an X.509 certificate), durable on real Postgres, against a bare fastify route that
 * accepts the same JSON body in the same run.
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import autocannon from 'autocannon';
import { buildCert, certPem, sanDer } from '../test/kinds/helpers.ts';

export interface EntriesResult {
  rps: number;
  p99: number;
  p50: number;
  errors: number;
  count: number;
}

export function makeEntries(n: number, keys = 64): string[] {
  const ca = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const signers = Array.from({ length: keys }, (_, i) => {
    const k = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pem = i % 2 === 0 ? k.publicKey.export({ format: 'pem', type: 'spki' }).toString() : certPem(buildCert({ subjectKey: k.publicKey, issuerKey: ca.privateKey, san: sanDer({ emails: [`user${i}@example.com`] }) }));
    return { k, content: Buffer.from(pem).toString('base64') };
  });
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = signers[i % keys]!;
    const artifact = Buffer.from(`artifact ${i} ${Math.random()}`);
    const digest = createHash('sha256').update(artifact).digest();
    // ECDSA P-256 over SHA-256(artifact): the signature over the digest that hashedrekord carries.
    const sig = sign('sha256', artifact, { key: s.k.privateKey, dsaEncoding: 'der' });
    out.push(
      JSON.stringify({
        apiVersion: '0.0.1',
        kind: 'hashedrekord',
        spec: { data: { hash: { algorithm: 'sha256', value: digest.toString('hex') } }, signature: { content: sig.toString('base64'), publicKey: { content: s.content } } },
      }),
    );
  }
  return out;
}

export async function postLoad(url: string, path: string, bodies: string[], duration: number, connections: number): Promise<EntriesResult> {
  let i = 0;
  const res = await autocannon({
    url,
    connections,
    duration,
    requests: [
      {
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        setupRequest: (req: any) => ({ ...req, body: bodies[i++ % bodies.length] }),
      },
    ],
  } as any);
  return { rps: res.requests.average, p99: res.latency.p99, p50: res.latency.p50, errors: res.non2xx + res.errors, count: res.requests.total };
}
