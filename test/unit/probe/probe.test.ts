import dgram from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { estimateMos, ProbeReceiver, rFactor } from '../../../src/probe/index.js';
import { RtpHeaderWriter } from '../../../src/rtp/index.js';

const EXT = { layout: 'rfc8285' as const, participantIdId: 1, absSendTimeId: 2 };
const START = 1_700_000_000_000;

function probe(): ProbeReceiver {
  const p = ProbeReceiver.detached({ videoPayloadType: 96, audioPayloadType: 111, extensions: EXT });
  p.start(START);
  return p;
}

function packet(seq: number, ts: number, { pt = 111, ssrc = 42, participant = 1001, marker = false, abs = 0 } = {}): Buffer {
  const w = new RtpHeaderWriter({ payloadType: pt, ssrc, participantId: participant, extensions: EXT });
  w.stamp(seq & 0xffff, ts >>> 0, marker, abs);
  return Buffer.concat([w.buffer, Buffer.alloc(100)]);
}

function feed(p: ProbeReceiver, seqs: number[], stepMs = 20): void {
  seqs.forEach((seq, i) => {
    const b = packet(seq, seq * 960);
    p.ingest(b, b.length, START + i * stepMs);
  });
}

describe('RFC 3550 A.1/A.3: sequence numbers, expected and lost', () => {
  it('wraps 65535 -> 0 without loss', () => {
    const p = probe();
    feed(p, [65533, 65534, 65535, 0, 1, 2]);
    const s = p.report().streams[0];
    expect(s.totals).toMatchObject({ received: 6, expected: 6, lost: 0, reordered: 0 });
  });

  it('a reordered packet is late, not lost; a duplicate is neither', () => {
    const p = probe();
    feed(p, [10, 11, 13, 12, 14, 14, 15]);
    const s = p.report().streams[0];
    expect(s.totals).toMatchObject({ received: 6, expected: 6, lost: 0, reordered: 1, duplicates: 1 });
  });

  it('a real gap is loss, attributed to the windows the missing packets were due in', () => {
    const p = probe();
    // 50 packets/s; packets 100..149 arrive in window 0, 150..249 are lost, 250..299 arrive in window 3
    const arrivals: [number, number][] = [];
    for (let s = 100; s < 150; s++) arrivals.push([s, (s - 100) * 20]);
    for (let s = 250; s < 300; s++) arrivals.push([s, (s - 100) * 20]);
    for (const [seq, t] of arrivals) {
      const b = packet(seq, seq * 960);
      p.ingest(b, b.length, START + t);
    }
    const s = p.report(4).streams[0];
    expect(s.totals).toMatchObject({ received: 100, expected: 200, lost: 100 });
    expect(s.windows.map((w) => w.lost)).toEqual([0, 50, 50, 0]);
    expect(s.windows.map((w) => w.expected)).toEqual([50, 50, 50, 50]);
  });
});

describe('RFC 3550 6.4.1 / A.8: interarrival jitter', () => {
  it('equals the hand-computed J for a known arrival pattern', () => {
    // Audio, 48 kHz, 20 ms packets (960 units). Arrivals deviate: +0, +5, -3, +2 ms from the grid.
    // transit differences D (in ms): 5, -8, 5 -> |D| in units: 240, 384, 240
    // J1 = 0 + (240 - 0)/16 = 15; J2 = 15 + (384 - 15)/16 = 38.0625; J3 = 38.0625 + (240 - 38.0625)/16 = 50.68359375
    const p = probe();
    const offsets = [0, 5, -3, 2];
    offsets.forEach((off, i) => {
      const b = packet(i, i * 960);
      p.ingest(b, b.length, START + i * 20 + off);
    });
    const jitterMs = p.report().streams[0].totals.jitterMs;
    expect(jitterMs).toBeCloseTo((50.68359375 * 1000) / 48000, 9);
  });

  it('a perfectly paced stream has zero jitter; video uses the 90 kHz clock', () => {
    const p = probe();
    for (let i = 0; i < 100; i++) {
      const b = packet(i, i * 3000, { pt: 96, ssrc: 7, marker: true });
      p.ingest(b, b.length, START + (i * 1000) / 30);
    }
    const s = p.report().streams[0];
    expect(s.media).toBe('video');
    expect(s.totals.jitterMs).toBeLessThan(1e-3); // epoch-ms floats resolve ~0.2 us
    expect(s.totals.frames).toBe(100);
  });
});

describe('windows, delay and robustness', () => {
  it('keeps per-window counters and one-way delay from abs-send-time', () => {
    const p = probe();
    for (let i = 0; i < 100; i++) {
      const arrivalEpoch = START + i * 20;
      const sentEpoch = arrivalEpoch - 30;
      const abs = Math.floor(((sentEpoch % 64000) * 262144) / 1000) & 0xffffff;
      const b = packet(i, i * 960, { abs });
      p.ingest(b, b.length, arrivalEpoch);
    }
    const windows = p.report(2).streams[0].windows;
    expect(windows.map((w) => w.received)).toEqual([50, 50]);
    expect(windows[0].delayMsAvg!).toBeGreaterThan(29.9);
    expect(windows[0].delayMsAvg!).toBeLessThan(30.1);
    expect(windows[0].bytes).toBe(50 * 128);
  });

  it('counts malformed and foreign packets and never throws on garbage', () => {
    const p = probe();
    let seed = 3;
    for (let i = 0; i < 20_000; i++) {
      const len = (seed = (seed * 16807) % 2147483647) % 80;
      const b = Buffer.alloc(len);
      for (let j = 0; j < len; j++) b[j] = (seed = (seed * 16807) % 2147483647) & 0xff;
      expect(() => p.ingest(b, b.length, START + i)).not.toThrow();
    }
    const foreign = packet(1, 1, { pt: 0 });
    p.ingest(foreign, foreign.length, START);
    const report = p.report();
    expect(report.malformedPackets).toBeGreaterThan(10_000);
    expect(report.foreignPackets).toBeGreaterThanOrEqual(1);
  });
});

describe('E-model MOS', () => {
  it('no impairment gives ~4.4; loss, jitter and delay lower it monotonically', () => {
    const clean = estimateMos({ oneWayDelayMs: 0, jitterMs: 0, lossPercent: 0 });
    expect(clean).toBeGreaterThan(4.35);
    expect(clean).toBeLessThan(4.45);
    expect(rFactor({ oneWayDelayMs: 0, jitterMs: 0, lossPercent: 0 })).toBeCloseTo(94.77 - 1.41 - 0.15, 6);
    const loss10 = estimateMos({ oneWayDelayMs: 0, jitterMs: 0, lossPercent: 10 });
    expect(loss10).toBeLessThan(3.6);
    expect(loss10).toBeGreaterThan(3.0);
    expect(estimateMos({ oneWayDelayMs: 300, jitterMs: 0, lossPercent: 0 })).toBeLessThan(clean - 0.3);
    expect(estimateMos({ oneWayDelayMs: 0, jitterMs: 50, lossPercent: 0 })).toBeLessThan(clean);
    expect(estimateMos({ oneWayDelayMs: 0, jitterMs: 0, lossPercent: 100 })).toBeGreaterThanOrEqual(1);
  });
});

describe('the UDP socket', () => {
  it('receives 500 packets on loopback and counts them all', async () => {
    const p = await ProbeReceiver.open({ listen: { host: '127.0.0.1', port: 0 }, videoPayloadType: 96, audioPayloadType: 111, extensions: EXT });
    p.start(Date.now());
    const sender = dgram.createSocket('udp4');
    for (let i = 0; i < 500; i++) {
      await new Promise<void>((resolve) => sender.send(packet(i, i * 960), p.address.port, '127.0.0.1', () => resolve()));
    }
    const deadline = Date.now() + 5000;
    while (p.packetsReceived < 500 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    sender.close();
    const s = p.report().streams[0];
    await p.close();
    expect(s.totals).toMatchObject({ received: 500, expected: 500, lost: 0 });
    expect(s.participantId).toBe(1001);
  });
});
