/**
 * SSH public key fingerprints (RFC 4716 §4 with SHA-256, as OpenSSH prints them) of client keys.
 */
import { createHash } from 'node:crypto';
import { encodeBase64 } from '../encoding/base64.ts';
import type { ClientPublicKey } from './spki.ts';

/**
 * The key ID go-securesystemslib's DSSE verifier derives when a verifier has no key ID of its own:
 * `ssh.FingerprintSHA256(ssh.NewPublicKey(pub))` = "SHA256:" + unpadded base64 of SHA-256 of the SSH
 * wire encoding (RFC 4253 §6.6, RFC 5656 §3.1, RFC 8709 §4). `undefined` where x/crypto/ssh has no
 * encoding (P-224), in which case the DSSE verifier ignores key IDs.
 */
export function sshSha256Fingerprint(key: ClientPublicKey): string | undefined {
  const str = (b: Uint8Array) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  const mpint = (mag: Uint8Array) => {
    let m = Buffer.from(mag);
    while (m.length > 0 && m[0] === 0) m = m.subarray(1);
    if (m.length > 0 && ((m[0] as number) & 0x80) !== 0) m = Buffer.concat([Buffer.from([0]), m]);
    return str(m);
  };
  const ascii = (s: string) => Buffer.from(s, 'latin1');
  let wire: Buffer;
  const t = key.type;
  if (t.alg === 'ed25519') wire = Buffer.concat([str(ascii('ssh-ed25519')), str(key.raw)]);
  else if (t.alg === 'rsa') {
    const eHex = (key.rsaExponent as bigint).toString(16);
    const e = Buffer.from(eHex.length % 2 === 0 ? eHex : '0' + eHex, 'hex');
    wire = Buffer.concat([str(ascii('ssh-rsa')), mpint(e), mpint(key.raw)]);
  } else {
    const name = { 'P-256': 'nistp256', 'P-384': 'nistp384', 'P-521': 'nistp521' }[t.curve as string];
    if (name === undefined) return undefined;
    wire = Buffer.concat([str(ascii(`ecdsa-sha2-${name}`)), str(ascii(name)), str(key.raw)]);
  }
  return 'SHA256:' + encodeBase64(createHash('sha256').update(wire).digest()).replace(/=+$/, '');
}
