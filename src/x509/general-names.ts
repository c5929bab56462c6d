/**
 * The subjectAltName extension (RFC 5280 §4.2.1.6) of client certificates, read the way Go's
 * crypto/x509 and sigstore's cryptoutils read it, so the values Rekor indexes come out identical
 * (order, IP formatting, the sigstore OtherName). Throws DerError on malformed input.
 */
import { checkNesting, childrenOf, content, decodeOid, DerError, readElement, TAG_OID, TAG_SEQUENCE, TAG_UTF8 } from '../encoding/der.ts';

/** Sigstore's OtherName SAN type (cryptoutils.OIDOtherName), the only OtherName Rekor indexes. */
const OID_SIGSTORE_OTHERNAME = '1.3.6.1.4.1.57264.1.7';

export interface SubjectAltNames {
  readonly dns: string[];
  readonly emails: string[];
  readonly ips: string[];
  readonly uris: string[];
  /** Values of sigstore OtherNames (1.3.6.1.4.1.57264.1.7), in order. */
  readonly otherNames: string[];
}

/**
 * SubjectAltName ::= GeneralNames; GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName (RFC 5280
 * §4.2.1.6). Go (x509 parseSANExtension) keeps rfc822Name [1], dNSName [2], URI [6] (IA5String, must be
 * ASCII) and iPAddress [7] (4 or 16 octets); sigstore adds otherName [0] of type 1.3.6.1.4.1.57264.1.7
 * with a [0] EXPLICIT UTF8String value.
 */
export function parseSubjectAltName(value: Uint8Array): SubjectAltNames {
  const out = { dns: [] as string[], emails: [] as string[], ips: [] as string[], uris: [] as string[], otherNames: [] as string[] };
  const seq = readElement(value);
  if (seq.tag !== TAG_SEQUENCE) throw new DerError('SAN: expected SEQUENCE');
  checkNesting(value, seq, 0);
  for (const gn of childrenOf(value, seq)) {
    const c = content(value, gn);
    switch (gn.tag) {
      case 0x81:
        out.emails.push(ia5(c, 'rfc822Name'));
        break;
      case 0x82:
        out.dns.push(ia5(c, 'dNSName'));
        break;
      case 0x86:
        out.uris.push(ia5(c, 'URI'));
        break;
      case 0x87:
        out.ips.push(goIpString(c));
        break;
      case 0xa0: {
        const [oidT, valT] = childrenOf(value, gn);
        if (oidT?.tag !== TAG_OID || valT?.tag !== 0xa0) break;
        if (decodeOid(content(value, oidT)) !== OID_SIGSTORE_OTHERNAME) break;
        const [utf8] = childrenOf(value, valT);
        if (utf8?.tag !== TAG_UTF8) break;
        const s = new TextDecoder('utf-8', { fatal: false }).decode(content(value, utf8));
        out.otherNames.push(s);
        break;
      }
      default:
        break; // other GeneralName types are skipped, as in Go
    }
  }
  return out;
}

function ia5(b: Uint8Array, what: string): string {
  for (const x of b) if (x > 0x7f) throw new DerError(`SAN ${what} is malformed`);
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

/** Go `net.IP.String()`: dotted IPv4 (also for IPv4-mapped IPv6), else RFC 5952 IPv6. */
function goIpString(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  if (b.length !== 16) throw new DerError(`cannot parse IP address of length ${b.length}`);
  if (b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff) return Array.from(b.subarray(12)).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] as number) << 8) | (b[i + 1] as number));
  // Longest run of zero groups (first one on ties), compressed only if at least two groups long.
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const h = (g: number[]) => g.map((x) => x.toString(16)).join(':');
  if (bestLen < 2) return h(groups);
  return `${h(groups.slice(0, bestStart))}::${h(groups.slice(bestStart + bestLen))}`;
}
