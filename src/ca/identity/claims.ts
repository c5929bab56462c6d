/**
 * Reading attacker-controlled token claims the way Fulcio's Go code does, and the small pieces of
 * Go's net/url and path behaviour the certificate values depend on.
 */

/** A token that verified but cannot become a certificate identity (missing or malformed claims). */
export class PrincipalError extends Error {
  override name = 'PrincipalError';
}

export type Claims = Readonly<Record<string, unknown>>;

/**
 * A string claim as Go's `json:"x"` into a string field: absent/null → "", a string as is,
 * anything else makes the whole token unusable (Go's Claims() unmarshal fails).
 */
export function stringClaim(claims: Claims, name: string): string {
  const v = claims[name];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new PrincipalError(`claim ${name} must be a string`);
  return v;
}

/** A string claim that must be present and non-empty (Fulcio: "missing X claim in ID token"). */
export function requiredClaim(claims: Claims, name: string): string {
  const v = stringClaim(claims, name);
  if (v === '') throw new PrincipalError(`missing ${name} claim in ID token`);
  return v;
}

/** Fulcio's stringAsBool for email_verified: true/"true"/"True", false/"false"/"False"; absent → false. */
export function emailVerified(claims: Claims): boolean {
  const v = claims.email_verified;
  if (v === undefined || v === null) return false;
  if (v === true || v === 'true' || v === 'True') return true;
  if (v === false || v === 'false' || v === 'False') return false;
  throw new PrincipalError('invalid value for boolean claim email_verified');
}

const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** An e-mail address usable as an rfc822Name SAN (ASCII, one @, a DNS-like domain, ≤ 254 chars). */
export function isEmail(s: string): boolean {
  return s.length <= 254 && EMAIL.test(s) && !s.startsWith('.') && !s.includes('..');
}

/**
 * Go's fmt "%v" of a JSON value after Fulcio's mapValuesToString (ciprovider): whole floats print
 * as integers, other numbers in shortest form, booleans as true/false, strings as is. Objects and
 * arrays print as JSON (Go would print its map/slice syntax, which no template should rely on).
 */
export function goClaimString(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v).toString() : String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v === null || v === undefined) return '<nil>';
  return JSON.stringify(v);
}

/** Go path.Clean (lexical). */
export function goPathClean(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length > 0 && out.at(-1) !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(seg);
  }
  const s = out.join('/');
  return rooted ? `/${s}` : s || '.';
}

/** Go net/url path escaping (shouldEscape with encodePath): what URL.String() writes. */
export function goEscapePath(p: string): string {
  let out = '';
  for (const b of Buffer.from(p, 'utf8')) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~$&+,/:;=@]/.test(c)) out += c;
    else out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Go `u.JoinPath(elem...).String()` for an absolute base URL without query or fragment, e.g.
 * joinUrl("https://github.com/", "octo/repo") = "https://github.com/octo/repo". Elements are
 * joined and cleaned (path.Join), a trailing slash of the last element is kept.
 */
export function joinUrl(base: string, ...elems: string[]): string {
  const u = new URL(base);
  const joined = goPathClean([decodeURIComponent(u.pathname), ...elems].join('/'));
  const last = elems.at(-1) ?? '';
  const p = last.endsWith('/') && !joined.endsWith('/') ? `${joined}/` : joined;
  return `${u.protocol}//${u.host}${goEscapePath(p === '.' ? '' : p.startsWith('/') ? p : `/${p}`)}`;
}

/** A URI SAN value: an absolute URI of printable ASCII without spaces (IA5String). */
export function checkUri(s: string, what: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/^[\x21-\x7e]+$/.test(s)) throw new PrincipalError(`${what} ${JSON.stringify(s)} is not a valid URI (printable ASCII only)`);
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(s)) throw new PrincipalError(`${what} ${JSON.stringify(s)} is not an absolute URI`);
  return s;
}
