import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  byeBytes,
  compactNtp,
  FIR_BYTES,
  msToCompactNtp,
  nackBytes,
  nackEntryCount,
  ntpFraction,
  ntpSeconds,
  PLI_BYTES,
  rembBytes,
  REPORT_BLOCK_BYTES,
  roundTripMs,
  RR_BYTES,
  RtcpReader,
  sdesCnameBytes,
  SR_BYTES,
  writeBye,
  writeFir,
  writeNack,
  writePli,
  writeReceiverReport,
  writeRemb,
  writeSdesCname,
  writeSenderReport,
  type ReportBlock,
  type RtcpVisitor,
} from '../../../src/rtcp/index.js';
import { expandNack, readAll, type RtcpEvent } from './wire.js';

const RUNS = { numRuns: 500, seed: 4585 };
const u32 = fc.nat({ max: 0xffff_ffff });
const epochMs = fc.double({ min: 0, max: 2_085_978_495_999, noNaN: true });
const blockArb: fc.Arbitrary<ReportBlock> = fc.record({
  ssrc: u32,
  fractionLost: fc.nat({ max: 255 }),
  cumulativeLost: fc.integer({ min: -0x80_0000, max: 0x7f_ffff }),
  extendedHighestSeq: u32,
  jitter: u32,
  lsr: u32,
  dlsr: u32,
});
const sorted = (xs: Iterable<number>): number[] => [...new Set(xs)].sort((a, b) => a - b);

/**
 * One packet: how big it is, how to write it, and what the reader should report for it. A NACK's
 * entries depend on the packing, so it names its sender, media and sequence numbers instead.
 */
interface Spec {
  bytes: number;
  write(buf: Uint8Array, at: number): number;
  expected: RtcpEvent[];
  nack?: { sender: number; media: number; seqs: number[]; entries: number };
}

const specArb: fc.Arbitrary<Spec> = fc.oneof(
  fc.tuple(u32, epochMs, u32, u32, u32, fc.array(blockArb, { maxLength: 31 })).map(([ssrc, ms, rtp, packets, octets, blocks]): Spec => ({
    bytes: SR_BYTES + blocks.length * REPORT_BLOCK_BYTES,
    write: (buf, at) => writeSenderReport(buf, at, ssrc, ms, rtp, packets, octets, blocks, blocks.length),
    expected: [['sr', ssrc, ntpSeconds(ms), ntpFraction(ms), rtp, packets, octets], ...blocks.map((b): RtcpEvent => ['block', ssrc, b])],
  })),
  fc.tuple(u32, fc.array(blockArb, { maxLength: 31 })).map(([ssrc, blocks]): Spec => ({
    bytes: RR_BYTES + blocks.length * REPORT_BLOCK_BYTES,
    write: (buf, at) => writeReceiverReport(buf, at, ssrc, blocks, blocks.length),
    expected: [['rr', ssrc], ...blocks.map((b): RtcpEvent => ['block', ssrc, b])],
  })),
  fc.tuple(u32, fc.uint8Array({ maxLength: 255 })).map(([ssrc, text]): Spec => ({
    bytes: sdesCnameBytes(text.length),
    write: (buf, at) => writeSdesCname(buf, at, ssrc, text),
    expected: [['cname', ssrc, Buffer.from(text).toString('latin1')]],
  })),
  fc.array(u32, { maxLength: 31 }).map((ssrcs): Spec => ({
    bytes: byeBytes(ssrcs.length),
    write: (buf, at) => writeBye(buf, at, ssrcs, ssrcs.length),
    expected: ssrcs.map((s): RtcpEvent => ['bye', s]),
  })),
  fc.tuple(u32, u32, fc.array(fc.nat({ max: 0xffff }), { minLength: 1, maxLength: 40 })).map(([sender, media, seqs]): Spec => {
    const entries = nackEntryCount(seqs, seqs.length);
    return { bytes: nackBytes(entries), write: (buf, at) => writeNack(buf, at, sender, media, seqs, seqs.length), expected: [], nack: { sender, media, seqs, entries } };
  }),
  fc.tuple(u32, u32).map(([sender, media]): Spec => ({ bytes: PLI_BYTES, write: (buf, at) => writePli(buf, at, sender, media), expected: [['pli', sender, media]] })),
  fc.tuple(u32, u32, fc.nat({ max: 0xffff })).map(([sender, target, seq]): Spec => ({
    bytes: FIR_BYTES,
    write: (buf, at) => writeFir(buf, at, sender, target, seq),
    expected: [['fir', sender, target, seq & 0xff]],
  })),
  fc.tuple(u32, fc.nat({ max: 0x3_ffff }), fc.nat({ max: 63 }), fc.array(u32, { maxLength: 20 })).map(([sender, mantissa, exponent, ssrcs]): Spec => {
    // An exactly representable rate round trips exactly.
    const bps = mantissa * 2 ** exponent;
    return { bytes: rembBytes(ssrcs.length), write: (buf, at) => writeRemb(buf, at, sender, bps, ssrcs, ssrcs.length), expected: [['remb', sender, bps, ssrcs]] };
  }),
);

/** Walks the events in packet order: each spec's items, and for a NACK its entries as a set. */
function expectEvents(specs: Spec[], events: RtcpEvent[]): void {
  let at = 0;
  for (const s of specs) {
    if (s.nack) {
      const mine = events.slice(at, at + s.nack.entries);
      at += s.nack.entries;
      expect(mine.every((e) => e[0] === 'nack' && e[1] === s.nack!.sender && e[2] === s.nack!.media)).toBe(true);
      expect(sorted(mine.flatMap((e) => expandNack(e[3] as number, e[4] as number)))).toEqual(sorted(s.nack.seqs));
    } else {
      expect(events.slice(at, at + s.expected.length)).toEqual(s.expected);
      at += s.expected.length;
    }
  }
  expect(at).toBe(events.length);
}

describe('property: write -> read round trips random field values', () => {
  it('random compounds of every packet type, at a random offset in a dirty buffer, read back field for field', () => {
    fc.assert(
      fc.property(fc.array(specArb, { minLength: 1, maxLength: 6 }), fc.nat({ max: 64 }), fc.nat({ max: 255 }), (specs, lead, fill) => {
        const total = specs.reduce((n, s) => n + s.bytes, 0);
        const buf = new Uint8Array(lead * 4 + total + 16).fill(fill);
        let at = lead * 4;
        for (const s of specs) {
          const next = s.write(buf, at);
          expect(next - at).toBe(s.bytes);
          at = next;
        }
        expect(buf.subarray(0, lead * 4).every((b) => b === fill)).toBe(true);
        expect(buf.subarray(at).every((b) => b === fill)).toBe(true);
        const datagram = buf.slice(lead * 4, at);
        const { problem, events, packets } = readAll(datagram);
        expect(problem).toBeNull();
        expect(packets).toBe(specs.length);
        expectEvents(specs, events);
      }),
      RUNS,
    );
  });

  it('NTP: seconds and fraction put back together are the millisecond written, within 1 µs', () => {
    fc.assert(
      fc.property(epochMs, (ms) => {
        const back = (ntpSeconds(ms) - 2_208_988_800) * 1000 + (ntpFraction(ms) * 1000) / 2 ** 32;
        expect(Math.abs(back - ms)).toBeLessThan(0.001);
        expect(compactNtp(ms)).toBe((((ntpSeconds(ms) & 0xffff) << 16) | (ntpFraction(ms) >>> 16)) >>> 0);
      }),
      { ...RUNS, numRuns: 2000 },
    );
  });

  it('round trip: an SR sent at t, held d ms, answered after r ms in total gives r - d, across the 65536 s wrap', () => {
    fc.assert(
      fc.property(epochMs, fc.double({ min: 0, max: 60_000, noNaN: true }), fc.double({ min: 0, max: 30_000, noNaN: true }), (t, rtt, hold) => {
        const lsr = compactNtp(t);
        fc.pre(lsr !== 0);
        const got = roundTripMs(compactNtp(t + hold + rtt), lsr, msToCompactNtp(hold));
        expect(got).not.toBeNull();
        expect(Math.abs(got! - rtt)).toBeLessThan(0.05); // three 1/65536 s truncations
      }),
      { ...RUNS, numRuns: 2000 },
    );
  });

  it('REMB: the rate read back never exceeds the estimate and is within one mantissa step of it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat({ max: 1_000_000 }), fc.double({ min: 0, max: 2 ** 81, noNaN: true })), (bps) => {
        const buf = new Uint8Array(rembBytes(0));
        writeRemb(buf, 0, 1, bps, [], 0);
        const exponent = buf[17] >> 2;
        const mantissa = ((buf[17] & 3) << 16) | (buf[18] << 8) | buf[19];
        const read = (readAll(buf).events[0] as Extract<RtcpEvent, ['remb', ...unknown[]]>)[2];
        expect(read).toBe(mantissa * 2 ** exponent);
        expect(read).toBeLessThanOrEqual(bps);
        const saturated = exponent === 63 && mantissa === 0x3_ffff;
        if (!saturated) expect(bps - read).toBeLessThan(2 ** exponent);
        // The smallest exponent that fits: with a larger exponent the mantissa uses its top bit.
        if (exponent > 0) expect(mantissa).toBeGreaterThanOrEqual(0x2_0000);
      }),
      RUNS,
    );
  });
});

describe('property: RFC 4585 6.2.1 NACK sets', () => {
  const nackRead = (seqs: number[]): { entries: [number, number][]; problem: string | null } => {
    const buf = new Uint8Array(nackBytes(nackEntryCount(seqs, seqs.length)));
    expect(writeNack(buf, 0, 1, 2, seqs, seqs.length)).toBe(buf.length);
    const entries: [number, number][] = [];
    const problem = new RtcpReader().read(buf, buf.length, { nack: (_s, _m, pid, blp) => entries.push([pid, blp]) });
    return { entries, problem };
  };

  it('any set of sequence numbers, in any order with duplicates, is exactly the set read back', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 0xffff }), { minLength: 1, maxLength: 300 }), (seqs) => {
        const { entries, problem } = nackRead(seqs);
        expect(problem).toBeNull();
        expect(entries.length).toBe(nackEntryCount(seqs, seqs.length));
        expect(sorted(entries.flatMap(([pid, blp]) => expandNack(pid, blp)))).toEqual(sorted(seqs));
      }),
      RUNS,
    );
  });

  it('ascending in serial order (as a generator keeps them, across the wrap): entries do not overlap and list them in order', () => {
    const ascending = fc.tuple(fc.nat({ max: 0xffff }), fc.uniqueArray(fc.nat({ max: 30_000 }), { minLength: 1, maxLength: 300 })).map(([base, offsets]) =>
      offsets.sort((a, b) => a - b).map((o) => (base + o) & 0xffff),
    );
    fc.assert(
      fc.property(ascending, fc.nat({ max: 3 }), (seqs, dupEvery) => {
        const withDuplicates = dupEvery === 0 ? seqs : seqs.flatMap((s, i) => (i % dupEvery === 0 ? [s, s] : [s]));
        const { entries } = nackRead(withDuplicates);
        expect(entries.flatMap(([pid, blp]) => expandNack(pid, blp))).toEqual(seqs);
        // Greedy packing: each entry starts at the first number more than 16 past the previous PID.
        for (let i = 1; i < entries.length; i++) expect((entries[i][0] - entries[i - 1][0]) & 0xffff).toBeGreaterThan(16);
      }),
      RUNS,
    );
  });
});

describe('property: the reader on hostile input', () => {
  /** Records, besides the items, whether any byte range it was handed reaches past `length`. */
  function boundsVisitor(length: number, events: RtcpEvent[]): RtcpVisitor & { outOfBounds: number } {
    const v = {
      outOfBounds: 0,
      senderReport: (...a: number[]) => events.push(['sr', a[0], a[1], a[2], a[3], a[4], a[5]]),
      receiverReport: (s: number) => events.push(['rr', s]),
      reportBlock: (r: number, b: Readonly<ReportBlock>) => events.push(['block', r, { ...b }]),
      sdesCname: (s: number, _buf: Uint8Array, start: number, end: number) => {
        if (start > end || end > length) v.outOfBounds++;
        events.push(['cname', s, `${start}-${end}`]);
      },
      bye: (s: number) => events.push(['bye', s]),
      nack: (s: number, m: number, pid: number, blp: number) => events.push(['nack', s, m, pid, blp]),
      pli: (s: number, m: number) => events.push(['pli', s, m]),
      fir: (s: number, t: number, n: number) => events.push(['fir', s, t, n]),
      remb: (s: number, bps: number, _buf: Uint8Array, from: number, count: number) => {
        if (from + 4 * count > length) v.outOfBounds++;
        events.push(['remb', s, bps, [from, count]]);
      },
    };
    return v;
  }

  /**
   * Reads `bytes` inside two larger buffers whose tails differ (0x00 vs 0xff, both RTCP-looking
   * after a version-2 byte): a reader that looks past `length` would report something different.
   */
  function readTwice(bytes: Uint8Array): { problem: string | null; events: RtcpEvent[]; outOfBounds: number } {
    const results = [0x00, 0xff].map((tail) => {
      const buf = new Uint8Array(bytes.length + 64).fill(tail);
      buf.set(bytes);
      const events: RtcpEvent[] = [];
      const v = boundsVisitor(bytes.length, events);
      const problem = new RtcpReader().read(buf, bytes.length, v);
      return { problem, events, outOfBounds: v.outOfBounds };
    });
    expect(results[1]).toEqual(results[0]);
    return results[0];
  }

  it('random bytes never throw and never report anything past the datagram end', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const { outOfBounds } = readTwice(bytes);
        expect(outOfBounds).toBe(0);
      }),
      { ...RUNS, numRuns: 3000 },
    );
  });

  it('random packets with valid headers and random bodies (the paths random bytes rarely reach), some with one byte flipped', () => {
    const packetArb = fc.record({
      type: fc.constantFrom(200, 201, 202, 203, 204, 205, 206, 207, 210),
      count: fc.oneof(fc.constantFrom(1, 4, 15), fc.nat({ max: 31 })),
      body: fc.nat({ max: 20 }).chain((words) => fc.uint8Array({ minLength: words * 4, maxLength: words * 4 })),
    });
    const datagramArb = fc.tuple(fc.array(packetArb, { minLength: 1, maxLength: 5 }), fc.boolean(), fc.option(fc.tuple(fc.nat(), fc.nat({ max: 255 })))).map(([packets, pad, flip]) => {
      const parts = packets.map((p, i) => {
        const buf = new Uint8Array(4 + p.body.length);
        buf[0] = 0x80 | p.count | (pad && i === packets.length - 1 ? 0x20 : 0);
        buf[1] = p.type;
        buf[2] = (p.body.length / 4) >> 8;
        buf[3] = (p.body.length / 4) & 0xff;
        buf.set(p.body, 4);
        return buf;
      });
      const out = new Uint8Array(Buffer.concat(parts));
      if (flip) out[flip[0] % out.length] = flip[1];
      return out;
    });
    let wellFormed = 0;
    let items = 0;
    fc.assert(
      fc.property(datagramArb, (bytes) => {
        const { problem, events, outOfBounds } = readTwice(bytes);
        expect(outOfBounds).toBe(0);
        if (problem === null) wellFormed++;
        items += events.length;
      }),
      { ...RUNS, numRuns: 3000 },
    );
    // The generator does reach the item parsers, not only the header checks.
    expect(wellFormed).toBeGreaterThan(500);
    expect(items).toBeGreaterThan(3000);
  });

  it('truncating a valid compound anywhere never throws and delivers a prefix of its items', () => {
    fc.assert(
      fc.property(fc.array(specArb, { minLength: 1, maxLength: 4 }), fc.nat(), (specs, cut) => {
        const buf = new Uint8Array(specs.reduce((n, s) => n + s.bytes, 0));
        const boundaries = new Set<number>();
        let at = 0;
        for (const s of specs) boundaries.add((at = s.write(buf, at)));
        const whole = readAll(buf).events;
        const length = cut % (buf.length + 1);
        const part = readTwice(buf.subarray(0, length));
        expect(part.outOfBounds).toBe(0);
        // Cut between packets it is a shorter compound; anywhere else the lengths no longer add up.
        expect(part.problem === null).toBe(boundaries.has(length));
        const comparable = (e: RtcpEvent): boolean => e[0] !== 'cname' && e[0] !== 'remb';
        expect(whole.filter(comparable).slice(0, part.events.filter(comparable).length)).toEqual(part.events.filter(comparable));
      }),
      RUNS,
    );
  });
});
