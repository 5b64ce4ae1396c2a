import { describe, expect, it } from 'vitest';
import { formatDuration, parseDurationMs, parseRateKbps, parseShare, parseUdpUrl } from '../../../src/scenario/index.js';

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
  it.each(['tcp://a:1', 'udp://a', 'udp://a:0', 'udp://a:70000', 'udp://:5'])('rejects %s', (input) => expect(parseUdpUrl(input)).toBeNull());
});
