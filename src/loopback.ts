/**
 * Whether a host names this machine only. Decided by parsing the address, never by a prefix or a
 * pattern on the text: `127.evil.example` is a DNS name (anyone's), not 127.0.0.0/8.
 */
import { BlockList, isIP } from 'node:net';

/** 127.0.0.0/8 (RFC 1122 §3.2.1.3) and ::1 (RFC 4291 §2.5.3); BlockList also matches ::ffff:127.x.x.x. */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * True for an IPv4 address in 127.0.0.0/8, the IPv6 loopback ::1 (any spelling, with or without
 * brackets or a zone), an IPv4-mapped ::ffff:127.x.x.x, and the name `localhost` exactly (any
 * case: DNS names are case-insensitive). Everything else, including the wildcard addresses
 * 0.0.0.0 and ::, any other name and any malformed text, is not loopback.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (h.toLowerCase() === 'localhost') return true;
  const family = isIP(h);
  if (family === 4) return LOOPBACK.check(h, 'ipv4');
  // A zone (fe80::1%eth0) names an interface, not an address: compare the address part.
  if (family === 6) return LOOPBACK.check(h.includes('%') ? h.slice(0, h.indexOf('%')) : h, 'ipv6');
  return false;
}
