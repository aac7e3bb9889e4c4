import { BlockList, isIP } from 'node:net';
import { lookup } from 'node:dns/promises';

/**
 * Where a webhook may not point (issue 14.6): link-local addresses (cloud metadata services answer on
 * 169.254.169.254 and fe80::), other metadata addresses, and addresses that are no single host. Loopback and
 * private networks stay allowed: a Mattermost or a test receiver on 127.0.0.1 is a fair target.
 */
const blocked = new BlockList();
blocked.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local: AWS, GCP, Azure, Oracle metadata at 169.254.169.254
blocked.addSubnet('0.0.0.0', 8, 'ipv4'); // "this network": 0.0.0.0 is no host to post to
blocked.addSubnet('224.0.0.0', 4, 'ipv4'); // multicast
blocked.addAddress('255.255.255.255', 'ipv4'); // broadcast
blocked.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
blocked.addSubnet('fe80::', 10, 'ipv6'); // link-local
blocked.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6
blocked.addSubnet('ff00::', 8, 'ipv6'); // multicast
blocked.addAddress('::', 'ipv6'); // unspecified
blocked.addSubnet('::ffff:169.254.0.0', 112, 'ipv6'); // link-local written as an IPv4-mapped IPv6 address
blocked.addSubnet('64:ff9b::169.254.0.0', 112, 'ipv6'); // link-local through NAT64

/** Metadata services' own host names (they may resolve to addresses above only inside their cloud). */
const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.tencentyun.com',
  'metadata.platformequinix.com',
]);

export class WebhookUrlError extends Error {
  override name = 'WebhookUrlError';
}

/** Why an address may not be posted to, or null when it may. */
export function blockedAddressReason(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  const type = family === 4 ? 'ipv4' : 'ipv6';
  // An IPv4-mapped IPv6 address is judged as the IPv4 address it carries.
  const v4 = type === 'ipv6' ? mappedIpv4(address) : null;
  const hit = v4 ? blocked.check(v4, 'ipv4') : blocked.check(address, type);
  if (!hit) return null;
  return /^(169\.254\.|fe[89ab])/i.test(v4 ?? address)
    ? `${address} is a link-local address (where cloud metadata services answer)`
    : `${address} is a metadata, multicast or unspecified address`;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address, dotted (`::ffff:a9fe:a9fe` -> `169.254.169.254`), or null. */
function mappedIpv4(address: string): string | null {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return null;
  const [hi, lo] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

export type Resolve = (host: string) => Promise<{ address: string }[]>;

const resolveAll: Resolve = (host) => lookup(host, { all: true, verbatim: true });

/** The host of a URL as an address or a name: `[::1]` -> `::1`, a trailing dot dropped. */
export function hostOf(url: URL): string {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  return host.toLowerCase();
}

/**
 * Checks a webhook URL before it is saved and before each post: http or https, no metadata host name, and every
 * address its host resolves to allowed (a name resolving to one bad address among good ones is refused: the
 * connection could go to any of them). Throws WebhookUrlError with the reason.
 */
export async function checkWebhookUrl(raw: string, resolve: Resolve = resolveAll): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookUrlError(`"${raw.slice(0, 100)}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new WebhookUrlError(`a webhook must be an http or https URL, not ${url.protocol.replace(/:$/, '')}`);
  }
  const host = hostOf(url);
  if (METADATA_HOSTS.has(host)) throw new WebhookUrlError(`${host} is a cloud metadata service`);
  if (isIP(host)) {
    const reason = blockedAddressReason(host);
    if (reason) throw new WebhookUrlError(reason);
    return url;
  }
  let addresses: { address: string }[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    throw new WebhookUrlError(`${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (addresses.length === 0) throw new WebhookUrlError(`${host} resolves to no address`);
  for (const { address } of addresses) {
    const reason = blockedAddressReason(address);
    if (reason) throw new WebhookUrlError(`${host} resolves to ${reason}`);
  }
  return url;
}

/** What may be shown and kept of a webhook URL: Slack's (and most) secrets are in the path and query. */
export function redactWebhook(url: URL): string {
  const path = url.pathname.length > 1 ? '/…' : '';
  return `${url.protocol}//${url.host}${path}`;
}
