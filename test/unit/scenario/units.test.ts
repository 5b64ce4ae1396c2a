import { describe, expect, it } from 'vitest';
import { checkUdpUrl, hostProblem, httpUrlProblem, turnUrlProblem } from '../../../src/scenario/endpoints.js';
import { formatDuration, parseDurationMs, parseRateKbps, parseShare, parseUdpUrl } from '../../../src/scenario/index.js';
import { parseUdpListenUrl } from '../../../src/scenario/units.js';

describe('durations', () => {
  it.each([
    ['90s', 90_000],
    ['2m', 120_000],
    ['1h30m', 5_400_000],
    ['250ms', 250],
    ['1.5s', 1500],
    ['1m30s', 90_000],
    [45, 45_000],
    [0.5, 500],
    ['30', 30_000],
  ])('%s -> %d ms', (input, expected) => expect(parseDurationMs(input)).toBe(expected));

  it.each(['', '10x', 's', '1 m', '-5s', 'm5', '1h30', null, {}, -1])('rejects %j', (input) => expect(parseDurationMs(input)).toBeNull());

  it('formats back', () => {
    expect(formatDuration(90_000)).toBe('90s');
    expect(formatDuration(120_000)).toBe('2m');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(250)).toBe('250ms');
  });
});

describe('rates', () => {
  it.each([
    ['2500kbps', 2500],
    ['2.5mbps', 2500],
    ['64000bps', 64],
    ['1Gbps', 1_000_000],
    [800, 800],
  ])('%s -> %d kbps', (input, expected) => expect(parseRateKbps(input)).toBe(expected));
  it.each(['2500', 'fast', '0kbps', '-3kbps', 0])('rejects %j', (input) => expect(parseRateKbps(input)).toBeNull());
});

describe('shares', () => {
  it('parses booleans and percentages', () => {
    expect(parseShare(true)).toBe(1);
    expect(parseShare(false)).toBe(0);
    expect(parseShare('80%')).toBe(0.8);
    expect(parseShare('12.5%')).toBe(0.125);
    expect(parseShare('101%')).toBeNull();
    expect(parseShare('80')).toBeNull();
  });
});

describe('udp urls', () => {
  it('parses host and port', () => {
    expect(parseUdpUrl('udp://127.0.0.1:5002')).toEqual({ host: '127.0.0.1', port: 5002 });
    expect(parseUdpUrl('udp://[::1]:5002')).toEqual({ host: '::1', port: 5002 });
    expect(parseUdpUrl('udp://sfu.local:9')).toEqual({ host: 'sfu.local', port: 9 });
  });
  it.each(['tcp://a:1', 'udp://a', 'udp://a:0', 'udp://a:70000', 'udp://:5', 'udp://127.0.0.1:99999', 'udp://300.1.1.1:5', 'udp://[1.2.3.4]:5', 'udp://a_b:5'])('rejects %s', (input) =>
    expect(parseUdpUrl(input)).toBeNull(),
  );
  it('a listen address may ask for an ephemeral port (0), never more than 65535', () => {
    expect(parseUdpListenUrl('udp://127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseUdpListenUrl('udp://127.0.0.1:65536')).toBeNull();
    expect(checkUdpUrl('udp://127.0.0.1:0', 'refuse')).toMatchObject({ ok: false, problem: expect.stringMatching(/port 0 is no port to send to/) });
  });
});

describe('hosts (RFC 1123 names, IPv4 and IPv6 literals)', () => {
  it.each(['127.0.0.1', '0.0.0.0', '::1', 'fe80::1', 'localhost', 'sfu.example.org', 'a-b.c', 'probe', 'x1.y2'])('accepts %s', (host) => expect(hostProblem(host)).toBeNull());
  it.each([
    ['', /empty/],
    ['999.1.1.1', /not an IPv4 address/],
    ['1.2.3', /not an IPv4 address/],
    ['10.0.0.1.5', /not an IPv4 address/],
    ['a..b', /empty label/],
    ['-a', /starts or ends with '-'/],
    ['a_b', /letters, digits and '-' only/],
    ['host.123', /last label is all digits/],
    [`${'a'.repeat(64)}.com`, /longer than 63/],
    [`${'a.'.repeat(130)}com`, /at most 253/],
    ['1::2::3', /not an IPv6 address/],
  ])('refuses %j', (host, reason) => expect(hostProblem(host)).toMatch(reason));
});

describe('HTTP(S) and TURN URLs', () => {
  it('HTTP: scheme, host, port, no credentials', () => {
    expect(httpUrlProblem('http://127.0.0.1:8088/janus')).toBeNull();
    expect(httpUrlProblem('https://sfu.example/whip/{participant}')).toBeNull();
    expect(httpUrlProblem('ftp://x/')).toMatch(/expected http:\/\/HOST or https:\/\/HOST/);
    expect(httpUrlProblem('http:///x')).toMatch(/expected http:\/\/HOST/);
    expect(httpUrlProblem('http://x:70000/')).toMatch(/not a URL/);
    expect(httpUrlProblem('http://u:p@x/')).toMatch(/credentials/);
    expect(httpUrlProblem('http://999.0.0.1/')).toMatch(/not a URL|IPv4/);
  });
  it('TURN (RFC 7065)', () => {
    for (const ok of ['turn:127.0.0.1', 'turn:127.0.0.1:3478', 'turns:turn.example.org:5349?transport=tcp', 'turn:[::1]:3478?transport=udp']) expect(turnUrlProblem(ok), ok).toBeNull();
    expect(turnUrlProblem('turn:host:0')).toMatch(/port 0/);
    expect(turnUrlProblem('turn:host?transport=sctp')).toMatch(/RFC 7065/);
    expect(turnUrlProblem('turn://host:3478')).toMatch(/RFC 7065/);
  });
});
