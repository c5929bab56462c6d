#!/usr/bin/env node
// Keyless signing against a provenant instance with sigstore-js, then verification with the
// instance's own trusted root.
//   node examples/sign-and-verify.mjs <file> [base-url]      (base-url default http://127.0.0.1:3000)
// Uses $TOKEN as the OIDC identity token when set; otherwise asks the dev issuer for one.
import { readFileSync, writeFileSync } from 'node:fs';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { sign } from 'sigstore';

const [file, base = 'http://127.0.0.1:3000'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node examples/sign-and-verify.mjs <file> [base-url]');
  process.exit(2);
}
const email = 'alice@example.com';
let token = process.env.TOKEN;
if (!token) {
  const r = await fetch(`${base}/dev/oidc/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub: 'alice', email, email_verified: true }),
  });
  if (!r.ok) throw new Error(`dev token: HTTP ${r.status} ${await r.text()}`);
  token = (await r.json()).id_token;
}

const data = readFileSync(file);
const bundle = await sign(data, {
  fulcioURL: base,
  rekorURL: base,
  tsaServerURL: `${base}/api/v1/timestamp`,
  identityToken: token,
});
writeFileSync(`${file}.sigstore.json`, JSON.stringify(bundle, null, 2));
const entry = bundle.verificationMaterial.tlogEntries[0];
console.log(`signed ${file}: log index ${entry.logIndex ?? 0}, bundle ${file}.sigstore.json`);

const root = await (await fetch(`${base}/trust/trusted_root.json`)).json();
const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(root)), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 });
const signer = verifier.verify(toSignedEntity(bundleFromJSON(bundle), data), {
  subjectAlternativeName: email,
  extensions: { issuer: `${base}/dev/oidc` },
});
console.log(`verified: signed by ${signer.identity?.subjectAlternativeName} (issuer ${base}/dev/oidc)`);
