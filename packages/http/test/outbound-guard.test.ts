import type { LookupAddress } from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCallbackReceiver, type CallbackReceiver } from '@dak/dev-env';
import { OutboundPoster, nonPublicAddressReason, publicOnlyLookup, urlProblem } from '../src/outbound';

// The SSRF guard with private targets refused (production's default). Requests that would get
// through go only to this machine's loopback receiver; the other ranges are checked without
// sending anything (the guard refuses them before a socket exists).
describe('outbound SSRF guard', () => {
  let receiver: CallbackReceiver;
  let port: string;
  const guarded = new OutboundPoster({ allowPrivate: false, userAgent: 'test' });
  const open = new OutboundPoster({ allowPrivate: true, userAgent: 'test' });
  beforeAll(async () => {
    receiver = await startCallbackReceiver();
    port = new URL(receiver.url).port;
  });
  afterAll(async () => {
    guarded.close();
    open.close();
    await receiver.close();
  });

  it('classes every non-public range as refused, judging IPv4-mapped addresses by their IPv4 address', () => {
    const refused = {
      '127.0.0.1': 'loopback',
      '10.1.2.3': 'private',
      '172.16.0.1': 'private',
      '192.168.1.1': 'private',
      '169.254.169.254': 'linkLocal',
      '100.64.0.1': 'carrierGradeNat',
      '0.0.0.0': 'unspecified',
      '224.0.0.1': 'multicast',
      '255.255.255.255': 'broadcast',
      '::1': 'loopback',
      '::': 'unspecified',
      'fe80::1': 'linkLocal',
      'fc00::1': 'uniqueLocal',
      'fd12:3456::1': 'uniqueLocal',
      'ff02::1': 'multicast',
      '::ffff:127.0.0.1': 'loopback',
      '::ffff:10.0.0.1': 'private',
      '::ffff:169.254.169.254': 'linkLocal',
      '64:ff9b::a00:1': 'private',
      '2002:a00:1::1': '6to4',
      '2002:808:808::1': '6to4',
      '2001::1': 'teredo',
      '64:ff9b:1::a00:1': 'rfc6052',
      '::ffff:0:a00:1': 'rfc6145',
    };
    for (const [address, range] of Object.entries(refused)) {
      expect(nonPublicAddressReason(address), address).toContain(range);
    }
    for (const address of ['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888', '::ffff:8.8.8.8', '64:ff9b::808:808']) {
      expect(nonPublicAddressReason(address), address).toBeNull();
    }
  });

  it('judges an IPv6 address that embeds an IPv4 address by that address, however it is written', () => {
    const refused = {
      // IPv4-compatible (deprecated): URL parsing writes ::127.0.0.1 as ::7f00:1, which ipaddr.js calls unicast.
      '::127.0.0.1': ['loopback', '127.0.0.1'],
      '::7f00:1': ['loopback', '127.0.0.1'],
      '::a00:1': ['private', '10.0.0.1'],
      '::a9fe:a9fe': ['linkLocal', '169.254.169.254'],
      // IPv4-mapped, dotted and hex.
      '::ffff:10.0.0.1': ['private', '10.0.0.1'],
      '::ffff:7f00:1': ['loopback', '127.0.0.1'],
      '::ffff:c0a8:101': ['private', '192.168.1.1'],
      // NAT64's well-known prefix reaches the embedded address through the gateway.
      '64:ff9b::127.0.0.1': ['loopback', '127.0.0.1'],
      '64:ff9b::ac10:1': ['private', '172.16.0.1'],
    };
    for (const [address, [range, ipv4]] of Object.entries(refused)) {
      expect(nonPublicAddressReason(address), address).toBe(`${address} is a ${range} address (it stands for ${ipv4})`);
    }
    for (const address of ['::808:808', '::8.8.8.8', '::ffff:808:808']) {
      expect(nonPublicAddressReason(address), address).toBeNull();
    }
    expect(nonPublicAddressReason('::1')).toBe('::1 is a loopback address');
    expect(nonPublicAddressReason('::')).toBe(':: is a unspecified address');
    for (const url of [
      'http://[::127.0.0.1]/hook',
      'http://[::ffff:10.0.0.1]/hook',
      'http://[::ffff:7f00:1]:8080/hook',
      'http://[0:0:0:0:0:ffff:169.254.169.254]/latest',
      'http://[::10.0.0.1]/hook',
      'http://[64:ff9b::10.0.0.1]/hook',
    ]) {
      expect(urlProblem(url, false), url).toMatch(/\(it stands for [\d.]+\); callbacks go only to public addresses$/);
    }
  });

  it('refuses IP-literal URLs of private, loopback and link-local addresses (lookup never sees them)', () => {
    for (const url of [
      'http://127.0.0.1/hook',
      'http://10.0.0.7:8080/hook',
      'https://169.254.169.254/latest/meta-data',
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://0.0.0.0/',
    ]) {
      expect(urlProblem(url, false), url).toMatch(/callbacks go only to public addresses/);
      expect(urlProblem(url, true), url).toBeNull();
    }
    expect(urlProblem('ftp://example.com/x', true)).toMatch(/not http or https/);
    expect(urlProblem('https://user:pw@example.com/', true)).toMatch(/credentials/);
    expect(urlProblem('https://example.com/hook', false)).toBeNull();
  });

  it('refuses at connection time a name that resolves to a non-public address, however it answers', async () => {
    const lookupWith = (addresses: LookupAddress[]) =>
      publicOnlyLookup((_hostname, _options, callback) => callback(null, addresses));
    const resolveVia = (addresses: LookupAddress[]) =>
      new Promise<{ error: Error | null; address?: unknown }>((resolve) =>
        lookupWith(addresses)('hooks.example.com', { all: true }, (error, address) => resolve({ error, address })),
      );
    expect((await resolveVia([{ address: '10.0.0.1', family: 4 }])).error?.message).toMatch(/private/);
    expect((await resolveVia([{ address: '169.254.169.254', family: 4 }])).error?.message).toMatch(/linkLocal/);
    expect((await resolveVia([{ address: 'fd00::1', family: 6 }])).error?.message).toMatch(/uniqueLocal/);
    // One private address among public ones is enough: the connection could pick it.
    expect(
      (
        await resolveVia([
          { address: '93.184.216.34', family: 4 },
          { address: '127.0.0.1', family: 4 },
        ])
      ).error?.message,
    ).toMatch(/loopback/);
    // A name whose AAAA record embeds a private IPv4 address, in any of the forms.
    for (const address of ['::7f00:1', '::ffff:7f00:1', '::ffff:10.0.0.1', '64:ff9b::a00:1']) {
      expect((await resolveVia([{ address, family: 6 }])).error?.message, address).toMatch(
        /^refused: hooks\.example\.com resolves to .*, a (loopback|private) address/,
      );
    }
    const fine = await resolveVia([{ address: '93.184.216.34', family: 4 }]);
    expect(fine).toEqual({ error: null, address: [{ address: '93.184.216.34', family: 4 }] });
  });

  it('sends nothing to 127.0.0.1, [::1], localhost or a name resolving to loopback; the switch lets them through', async () => {
    const before = receiver.received.length;
    const refusedLiteral = await guarded.post(`http://127.0.0.1:${port}/dak/events`, '{}', {}, 2_000);
    expect(refusedLiteral).toMatchObject({
      status: null,
      error: expect.stringMatching(/^refused: 127\.0\.0\.1 is a loopback/),
    });
    const refusedV6 = await guarded.post(`http://[::1]:${port}/dak/events`, '{}', {}, 2_000);
    expect(refusedV6.error).toMatch(/^refused: ::1 is a loopback/);
    for (const host of ['[::127.0.0.1]', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]']) {
      const embedded = await guarded.post(`http://${host}:${port}/dak/events`, '{}', {}, 2_000);
      expect(embedded.error, host).toMatch(
        /^refused: ::(ffff:)?7f00:1 is a loopback address \(it stands for 127\.0\.0\.1\)/,
      );
    }
    // A hostname passes the URL check; the real resolver's answer is checked at connection time.
    expect(urlProblem(`http://localhost:${port}/dak/events`, false)).toBeNull();
    const refusedName = await guarded.post(`http://localhost:${port}/dak/events`, '{}', {}, 2_000);
    expect(refusedName.error).toMatch(/^refused: localhost resolves to .*, a loopback address/);
    // A name whose DNS answer is rebound to loopback (a stand-in resolver plays the DNS server).
    const rebinding = new OutboundPoster({
      allowPrivate: false,
      userAgent: 'test',
      resolve: (_hostname, _options, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]),
    });
    const rebound = await rebinding.post(`http://hooks.example.com:${port}/dak/events`, '{}', {}, 2_000);
    rebinding.close();
    expect(rebound.error).toMatch(/^refused: hooks\.example\.com resolves to 127\.0\.0\.1, a loopback address/);
    expect(receiver.received.length).toBe(before);

    const allowed = await open.post(`http://localhost:${port}/dak/events`, '{"ok":true}', {}, 2_000);
    expect(allowed).toMatchObject({ status: 200, error: null });
    expect(receiver.received.length).toBe(before + 1);
  });

  it('reports a refused connection and a timeout as reasons, not as answers', async () => {
    const closed = await startCallbackReceiver();
    const closedUrl = closed.url;
    await closed.close();
    expect(await open.post(closedUrl, '{}', {}, 2_000)).toMatchObject({
      status: null,
      error: expect.stringMatching(/refused/),
    });
    const slow = await startCallbackReceiver();
    slow.respond = () => new Promise((resolve) => setTimeout(() => resolve(200), 1_000));
    const timedOut = await open.post(slow.url, '{}', {}, 200);
    await slow.close();
    expect(timedOut).toMatchObject({ status: null, error: 'no answer within 200 ms' });
    expect(timedOut.latencyMs).toBeGreaterThanOrEqual(190);
  });

  it('times an answer from when it has a connection, and gives up waiting for one after twice the timeout', async () => {
    const slow = await startCallbackReceiver();
    slow.respond = () => new Promise((resolve) => setTimeout(() => resolve(200), 1_500));
    const oneAtATime = new OutboundPoster({ allowPrivate: true, userAgent: 'test', maxSocketsPerHost: 1 });
    try {
      // Answers take 1.5 s, one connection: the third waits 3 s, still within 2 × 2 s; the fourth would wait 4.5 s.
      // (Half a second to spare for each answer and for the third's wait: timers fire late on a loaded machine,
      // and the answer's timer shares this event loop with the poster's timeout.)
      const results = await Promise.all([1, 2, 3, 4].map(() => oneAtATime.post(slow.url, '{}', {}, 2_000)));
      expect(results.slice(0, 3).map((r) => r.status)).toEqual([200, 200, 200]);
      expect(results[2]!.latencyMs).toBeLessThan(2_000);
      expect(results[3]).toMatchObject({
        status: null,
        error: expect.stringMatching(/^waited 4000 ms for a free connection to 127\.0\.0\.1:\d+ \(1 busy\)/),
      });
    } finally {
      oneAtATime.close();
      await slow.close();
    }
  });
});
