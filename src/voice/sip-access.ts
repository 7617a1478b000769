// Who may send tandem INVITEs: the configured SIP trunks' addresses, plus loopback when the sandbox is the carrier
// (the sandbox handset and local tools call from 127.0.0.1). Everyone else gets 403.
import { isIP } from 'node:net';
import type { SipTrunkConfig } from '../carriers/config.js';

export class SipAccess {
  private readonly allowed: Set<string>;

  constructor(
    trunks: SipTrunkConfig[],
    private readonly allowLoopback: boolean,
  ) {
    this.allowed = new Set(trunks.flatMap((t) => t.addresses).map(normalize));
  }

  permits(source: string): boolean {
    const a = normalize(source);
    if (this.allowLoopback && isLoopback(a)) return true;
    return this.allowed.has(a);
  }
}

function normalize(address: string): string {
  const a = address.trim().toLowerCase();
  // IPv4-mapped IPv6 (::ffff:10.0.0.1) is the same source as 10.0.0.1.
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

function isLoopback(a: string): boolean {
  return a === '::1' || (isIP(a) === 4 && a.startsWith('127.'));
}
