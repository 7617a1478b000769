// Where a SIP URI (request-URI, Route entry or srf's proxy token) sends us: transport,
// address and port. DNS is A/AAAA only (no SRV/NAPTR) and bounded by a timeout.
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { parseNameAddr, parseUri } from '../sip/message.js';
import type { Proto, Target } from '../sip/transport.js';

const DNS_TIMEOUT_MS = 2_000;

export function uriFromHeader(v: string): string {
  return parseNameAddr(v)?.uri ?? v;
}

export function protoOf(uri: string, fallback: Proto): Proto {
  const t = parseUri(uri)?.params.get('transport')?.toLowerCase();
  return t === 'tcp' ? 'tcp' : t === 'udp' ? 'udp' : fallback;
}

export async function resolveTarget(uri: string, fallback: Proto): Promise<Target | undefined> {
  const u = parseUri(uri);
  if (!u) return undefined;
  const proto = protoOf(uri, fallback);
  const port = u.port ?? 5060;
  const host = u.host.replace(/^\[|\]$/g, '');
  if (net.isIP(host)) return { proto, host, port };
  let timer: NodeJS.Timeout | undefined;
  try {
    const res = await Promise.race([
      lookup(host),
      new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('dns timeout')), DNS_TIMEOUT_MS); }),
    ]);
    return { proto, host: res.address, port };
  } catch {
    return undefined;
  } finally {
    if (timer) clearTimeout(timer);
  }
}
