import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Outbound POSTs to addresses the business chose (callbacks), guarded against SSRF: unless
 * private targets are allowed (local development), only public unicast addresses are reached.
 * The guard sits where the connection is made: the request's `lookup` resolves the name once,
 * refuses it when any of its addresses is not public, and the socket connects to exactly the
 * address that was checked, so a name that answers a public address to a check and a private
 * one to the connection (DNS rebinding) gets nowhere. An IP-literal host never reaches
 * `lookup`, so it is checked before the request. Keep-alive agents reuse connections, which
 * were made to checked addresses.
 */

/**
 * The range of an address that must not be reached, or null when it is public. Everything ipaddr.js does not
 * class as plain unicast is refused: private, loopback, link-local, unique-local, CGNAT,
 * multicast, broadcast, unspecified, reserved and documentation ranges, 6to4 (`2002::/16`),
 * Teredo, IPv4-translated (`::ffff:0:0/96`) and NAT64's local-use prefix (`64:ff9b:1::/48`).
 * An IPv6 address that carries an IPv4 address in its last 32 bits and reaches that address is
 * judged by it (`embeddedIPv4`), however it is written: so `::ffff:8.8.8.8` is public while
 * `::ffff:127.0.0.1`, `[::ffff:7f00:1]` and the deprecated IPv4-compatible `::127.0.0.1` (which
 * URL parsing turns into `::7f00:1`, an address ipaddr.js calls unicast) are loopback.
 */
export function nonPublicRange(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'invalid';
  const parsed = ipaddr.parse(address);
  const embedded = parsed.kind() === 'ipv6' ? embeddedIPv4(parsed as ipaddr.IPv6) : null;
  const range = (embedded ?? parsed).range();
  return range === 'unicast' ? null : range;
}

/**
 * The IPv4 address an IPv6 address stands for, or null. IPv4-mapped (`::ffff:a.b.c.d`) reaches
 * it on a dual-stack socket; IPv4-compatible (`::a.b.c.d`, deprecated; `::` and `::1` are not
 * one) may reach it through an old stack or tunnel; NAT64's well-known prefix
 * (`64:ff9b::a.b.c.d`) reaches it through the network's NAT64 gateway, and it is what DNS64
 * answers for every IPv4-only name, so a public one is allowed (a worker on an IPv6-only
 * network can still deliver) and a private one is refused. 6to4 and Teredo embed a relay or
 * router address rather than the destination: they stay refused as a whole.
 */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | null {
  const parts = address.parts;
  const v4 = () => new ipaddr.IPv4([parts[6]! >> 8, parts[6]! & 0xff, parts[7]! >> 8, parts[7]! & 0xff]);
  if (address.isIPv4MappedAddress()) return address.toIPv4Address();
  const first96 = parts.slice(0, 6);
  if (first96.every((part) => part === 0) && (parts[6] !== 0 || parts[7]! > 1)) return v4();
  if (parts[0] === 0x64 && parts[1] === 0xff9b && parts.slice(2, 6).every((part) => part === 0)) return v4();
  return null;
}

/** `nonPublicRange` for people: "10.0.0.1 is a private address", or null when it is public. */
export function nonPublicAddressReason(address: string): string | null {
  const range = nonPublicRange(address);
  if (!range) return null;
  const embedded = ipaddr.isValid(address) ? embeddedIPv4AsText(address) : null;
  return embedded ? `${address} is a ${range} address (it stands for ${embedded})` : `${address} is a ${range} address`;
}

function embeddedIPv4AsText(address: string): string | null {
  const parsed = ipaddr.parse(address);
  return parsed.kind() === 'ipv6' ? (embeddedIPv4(parsed as ipaddr.IPv6)?.toString() ?? null) : null;
}

export class UnsafeTargetError extends Error {
  readonly code = 'EDAK_UNSAFE_TARGET';
  constructor(reason: string) {
    super(`refused: ${reason}; callbacks go only to public addresses`);
    this.name = 'UnsafeTargetError';
  }
}

type Resolver = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A `lookup` for http(s).request that resolves every address of the name and fails with
 * UnsafeTargetError when any is not public. `resolve` is dns.lookup unless a test stands in.
 */
export function publicOnlyLookup(resolve: Resolver = dnsLookup as unknown as Resolver): LookupFunction {
  return ((hostname: string, options: LookupOptions, callback: (...args: unknown[]) => void) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error);
      for (const { address } of addresses) {
        const range = nonPublicRange(address);
        if (range) return callback(new UnsafeTargetError(`${hostname} resolves to ${address}, a ${range} address`));
      }
      if (addresses.length === 0)
        return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }));
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  }) as LookupFunction;
}

/** Why a URL cannot be a target (not http(s), credentials, an IP literal that is not public), or null. */
export function urlProblem(url: string, allowPrivate: boolean): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'it is not a valid absolute URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return `its scheme is ${parsed.protocol.slice(0, -1)}, not http or https`;
  if (parsed.username || parsed.password)
    return 'it carries credentials; put them in the path or a query parameter instead';
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host)) {
    const reason = nonPublicAddressReason(host);
    if (reason) return `${reason}; callbacks go only to public addresses`;
  }
  return null;
}

/** What Dak's callbacks (and the registration ping) say they are. */
export const CALLBACK_USER_AGENT = 'Dak-Callbacks/1.0';

export interface OutboundResult {
  /** The HTTP status, or null when no answer came (refused, DNS, timeout, unsafe target). */
  status: number | null;
  latencyMs: number;
  /** What went wrong, for people: a transport failure, or null when an answer came. */
  error: string | null;
}

export interface OutboundOptions {
  allowPrivate: boolean;
  userAgent: string;
  /** Connections per endpoint (origin); past them, requests wait for one. */
  maxSocketsPerHost?: number;
  /** Stands in for dns.lookup (tests of the guard). */
  resolve?: Resolver;
}

/** Reads at most this much of an answer (it is discarded; only the status counts). */
const MAX_ANSWER_BYTES = 64 * 1024;

/** POSTs JSON to business endpoints over keep-alive connections, never to a non-public address unless allowed. */
export class OutboundPoster {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly lookup: LookupFunction | undefined;
  private readonly maxSockets: number;

  constructor(private readonly options: OutboundOptions) {
    this.maxSockets = options.maxSocketsPerHost ?? 128;
    const agentOptions = {
      keepAlive: true,
      maxSockets: this.maxSockets,
      maxFreeSockets: 64,
      timeout: 60_000,
    };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
    this.lookup = options.allowPrivate ? undefined : publicOnlyLookup(options.resolve);
  }

  /**
   * POSTs `body`; never rejects. `timeoutMs` runs from when the request has a connection (a
   * new one's connect and TLS included) to the end of the answer. A request that waits for a
   * connection (all `maxSocketsPerHost` to that endpoint busy: it answers slower than callbacks
   * come) gives up after twice that, so an attempt always ends within 3 × `timeoutMs`.
   */
  post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<OutboundResult> {
    const started = performance.now();
    let connected = started;
    const elapsed = () => Math.round(performance.now() - connected);
    const problem = urlProblem(url, this.options.allowPrivate);
    if (problem) return Promise.resolve({ status: null, latencyMs: 0, error: `refused: ${problem}` });
    const target = new URL(url);
    const client = target.protocol === 'https:' ? https : http;
    return new Promise((resolve) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (result: OutboundResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const giveUp = (error: string) => {
        request.destroy();
        finish({ status: null, latencyMs: elapsed(), error });
      };
      const request = client.request(
        target,
        {
          method: 'POST',
          agent: target.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
          ...(this.lookup ? { lookup: this.lookup } : {}),
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': String(Buffer.byteLength(body)),
            'User-Agent': this.options.userAgent,
            ...headers,
          },
        },
        (response) => {
          let read = 0;
          response.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_ANSWER_BYTES) response.destroy();
          });
          // The status is the answer; the body is drained so the connection can be reused.
          const answered = () => finish({ status: response.statusCode ?? null, latencyMs: elapsed(), error: null });
          response.on('end', answered);
          response.on('close', answered);
          response.on('error', () => undefined);
        },
      );
      timer = setTimeout(
        () =>
          giveUp(
            `waited ${2 * timeoutMs} ms for a free connection to ${target.host} (${this.maxSockets} busy): it answers slower than its callbacks come`,
          ),
        2 * timeoutMs,
      );
      request.on('socket', () => {
        clearTimeout(timer);
        connected = performance.now();
        timer = setTimeout(() => giveUp(`no answer within ${timeoutMs} ms`), timeoutMs);
      });
      request.on('error', (error: NodeJS.ErrnoException) =>
        finish({ status: null, latencyMs: elapsed(), error: describeTransportError(error, target.host) }),
      );
      request.end(body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function describeTransportError(error: NodeJS.ErrnoException, host: string): string {
  if (error instanceof UnsafeTargetError || error.code === 'EDAK_UNSAFE_TARGET') return error.message;
  switch (error.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `DNS lookup of ${host} failed (${error.code})`;
    case 'ECONNREFUSED':
      return `connection to ${host} refused`;
    case 'ECONNRESET':
      return `connection to ${host} reset`;
    case 'ETIMEDOUT':
      return `connecting to ${host} timed out`;
    default:
      return error.code ? `${error.code}: ${error.message}` : error.message;
  }
}
