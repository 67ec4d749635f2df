import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { allowPrivateWebhooks } from './settings.ts';

/**
 * SSRF rules of CONTRACT §13: a webhook may only reach public addresses over https. The host is resolved here and
 * the connection goes to the address that was checked (`guardedLookup` is the socket's own lookup), so a name
 * cannot resolve to a public address for the check and to a private one for the connection.
 */

const refused = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  refused.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['fe80::', 10], // link-local
  ['fc00::', 7], // unique-local (AWS metadata fd00:ec2::254 too)
  ['ff00::', 8], // multicast
  ['100::', 64], // discard
] as const) {
  refused.addSubnet(net, bits, 'ipv6');
}

/** Why an address may not be reached, or null when it may. */
export function refusedAddress(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  let v4 = family === 4 ? address : null;
  if (family === 6) {
    // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) addresses reach the IPv4 address inside.
    const embedded = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    if (embedded) v4 = embedded;
    else if (/^(?:::ffff:|64:ff9b::)[0-9a-f]{1,4}:[0-9a-f]{1,4}$/i.test(address)) {
      const [hi, lo] = address
        .split(':')
        .slice(-2)
        .map((part) => Number.parseInt(part, 16)) as [number, number];
      v4 = [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
    }
  }
  const blocked = v4 ? refused.check(v4, 'ipv4') : refused.check(address, 'ipv6');
  return blocked ? `the address ${address} is private, loopback, link-local or otherwise not public` : null;
}

/** Every address `host` resolves to (the host itself when it is an IP address). */
export function resolveAll(host: string): Promise<LookupAddress[]> {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(bare);
  if (family) return Promise.resolve([{ address: bare, family }]);
  return new Promise((resolve, reject) => {
    dnsLookup(bare, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });
}

/** Why `url` may not be a webhook URL (scheme, credentials, resolution, address), or null when it may. */
export async function refusedUrl(url: string): Promise<string | null> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not an absolute URL';
  }
  const allowPrivate = allowPrivateWebhooks();
  if (parsed.protocol !== 'https:' && !(allowPrivate && parsed.protocol === 'http:')) {
    return allowPrivate ? 'must be an http:// or https:// URL' : 'must be an https:// URL';
  }
  if (parsed.username || parsed.password) return 'must not contain a user name or password';
  if (allowPrivate) return null;
  let addresses: LookupAddress[];
  try {
    addresses = await resolveAll(parsed.hostname);
  } catch {
    return `its host ${parsed.hostname} does not resolve`;
  }
  if (addresses.length === 0) return `its host ${parsed.hostname} does not resolve`;
  for (const { address } of addresses) {
    const why = refusedAddress(address);
    if (why) return `must not point at a private address: ${why}`;
  }
  return null;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * The `lookup` of every outgoing webhook socket: resolves the name and fails unless every address it resolves to
 * is allowed; the socket then connects to one of exactly those addresses.
 */
export function guardedLookup(hostname: string, options: { all?: boolean }, callback: LookupCallback): void {
  resolveAll(hostname).then(
    (addresses) => {
      const allowPrivate = allowPrivateWebhooks();
      for (const { address } of addresses) {
        const why = allowPrivate ? null : refusedAddress(address);
        if (why) {
          callback(Object.assign(new Error(`refused: ${why}`), { code: 'EWEBHOOKREFUSED' }), '', 0);
          return;
        }
      }
      const first = addresses[0];
      if (!first) callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }), '', 0);
      else if (options.all) callback(null, addresses);
      else callback(null, first.address, first.family);
    },
    (error: NodeJS.ErrnoException) => callback(error, '', 0),
  );
}
