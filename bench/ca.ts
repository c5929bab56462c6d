/**
 * CA throughput: keyless certificates per second over HTTP (POST /api/v2/signingCert with the dev
 * issuer's token, a fresh P-256 client key and proof each), each precertificate durably logged in
 * the CT log, against the ceiling of the CA key's raw signing (two signatures per certificate:
 * precertificate and final) measured in the same run.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import autocannon from 'autocannon';

export async function benchCa(base: string, n: number, duration: number): Promise<{ rps: number; p99: number; errors: number; ceiling: number }> {
  const r = await fetch(`${base}/dev/oidc/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub: 'bench', email: 'bench@example.com', email_verified: true }) });
  const token = ((await r.json()) as { id_token: string }).id_token;
  const bodies: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    bodies.push(
      JSON.stringify({
        credentials: { oidcIdentityToken: token },
        publicKeyRequest: {
          publicKey: { algorithm: 'ECDSA', content: k.publicKey.export({ format: 'pem', type: 'spki' }).toString() },
          proofOfPossession: sign('sha256', Buffer.from('bench@example.com'), k.privateKey).toString('base64'),
        },
      }),
    );
  }
  // The ceiling: the CA key's curve (P-384 in dev) signing a TBS-sized message, twice per certificate.
  const caKey = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
  const msg = Buffer.alloc(900, 7);
  const t0 = performance.now();
  let sigs = 0;
  while (performance.now() - t0 < 1000) {
    sign('sha384', msg, caKey);
    sigs++;
  }
  const ceiling = sigs / 2 / ((performance.now() - t0) / 1000);
  let i = 0;
  const res = await autocannon({
    url: base,
    connections: 32,
    duration,
    requests: [{ method: 'POST', path: '/api/v2/signingCert', headers: { 'content-type': 'application/json' }, setupRequest: (req: any) => ({ ...req, body: bodies[i++ % bodies.length] }) }],
  } as any);
  return { rps: res.requests.average, p99: res.latency.p99, errors: res.non2xx + res.errors, ceiling };
}
