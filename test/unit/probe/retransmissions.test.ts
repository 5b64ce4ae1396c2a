import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { ProbeReceiver, type ReturnPath } from '../../../src/probe/index.js';
import { EXT, rtpPacket } from './packets.js';

/**
 * Retransmissions reaching the probe from a sender that shares no signaling with it (a plain RTP
 * sender such as GStreamer: no SDP FID group, no participant-id extension), and copies of a
 * retransmitted packet arriving more than once. The probe's feedback loop runs on its own 5 ms
 * tick; the tests wait (bounded) for the NACK it sends, never for a time.
 */
const VIDEO_SSRC = 0x1111_1111;
const RTX_PT = 97;

const probes: ProbeReceiver[] = [];
afterEach(async () => {
  await Promise.all(probes.splice(0).map((p) => p.close()));
});

const nowEpochMs = (): number => performance.timeOrigin + performance.now();

function probe(): ProbeReceiver {
  const p = ProbeReceiver.detached({
    videoPayloadType: 96,
    audioPayloadType: 111,
    extensions: EXT,
    viewer: { nack: true, pli: false, jitterBuffer: { fixedDelayMs: 2000 } },
    rtcp: { ssrc: 0xabcd, reportIntervalMs: null },
    rtx: { payloadType: RTX_PT },
  });
  p.start(nowEpochMs());
  probes.push(p);
  return p;
}

/** A source's return path that keeps the sequence numbers of every NACK the probe sends it. */
function source(): ReturnPath & { nacked: number[] } {
  const nacked: number[] = [];
  return {
    nacked,
    send(buf, length) {
      for (let at = 0; at + 4 <= length; ) {
        const end = at + 4 * (buf.readUInt16BE(at + 2) + 1);
        if (buf[at + 1] === 205 && (buf[at] & 0x1f) === 1) {
          for (let fci = at + 12; fci + 4 <= end; fci += 4) {
            const pid = buf.readUInt16BE(fci);
            const blp = buf.readUInt16BE(fci + 2);
            nacked.push(pid);
            for (let bit = 0; bit < 16; bit++) if (blp & (1 << bit)) nacked.push((pid + bit + 1) & 0xffff);
          }
        }
        at = end;
      }
    },
  };
}

function video(seq: number, ssrc = VIDEO_SSRC): Buffer {
  return rtpPacket({ seq, ts: 9000 + 3000 * seq, pt: 96, ssrc, participant: null, marker: true, payloadBytes: 200 });
}

/** RFC 4588 4: the RTX header (own SSRC and sequence number), the original sequence number, then the original payload. */
function rtx(rtxSeq: number, originalSeq: number, ssrc: number): Buffer {
  const header = rtpPacket({ seq: rtxSeq, ts: 9000 + 3000 * originalSeq, pt: RTX_PT, ssrc, participant: null, marker: true, payloadBytes: 0 });
  const osn = Buffer.alloc(2);
  osn.writeUInt16BE(originalSeq);
  return Buffer.concat([header, osn, Buffer.alloc(200, 0xab)]);
}

function feed(p: ProbeReceiver, packet: Buffer, from: ReturnPath): void {
  p.ingest(packet, packet.length, nowEpochMs(), -1, from);
}

/** Sequence numbers 100..109 without `missing`, then waits until the probe NACKed every missing one. */
async function streamWithGap(p: ProbeReceiver, from: ReturnPath & { nacked: number[] }, missing: number[], ssrc = VIDEO_SSRC): Promise<void> {
  for (let seq = 100; seq < 110; seq++) if (!missing.includes(seq)) feed(p, video(seq, ssrc), from);
  const deadline = Date.now() + 5000;
  while (!missing.every((seq) => from.nacked.includes(seq)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(from.nacked).toEqual(expect.arrayContaining(missing));
}

function viewerOf(p: ProbeReceiver, ssrc = VIDEO_SSRC) {
  const stream = p.report().streams.find((s) => s.ssrc === ssrc)!;
  return { wire: stream.totals, viewer: stream.viewer!.totals };
}

describe('RFC 4588 5.3: an RTX SSRC nobody announced belongs to the stream whose NACKed packet it carries', () => {
  it('the first RTX answering a NACK ties its SSRC to the video stream; later ones follow it; the wire loss stays', async () => {
    const p = probe();
    const from = source();
    await streamWithGap(p, from, [104, 106]);
    feed(p, rtx(5000, 104, 0x2222_2222), from);
    feed(p, rtx(5001, 106, 0x2222_2222), from);
    const { wire, viewer } = viewerOf(p);
    expect(p.report().feedback?.unmatchedRetransmissions).toBe(0);
    expect(viewer.retransmittedPackets).toBe(2);
    expect(viewer.nackRoundTrips).toBe(2);
    expect(viewer.nackRoundTripMsSum).toBeGreaterThanOrEqual(0);
    expect(wire.lost).toBe(2); // repaired for the viewer, lost on the wire
    expect(wire.reordered).toBe(0);
  });

  it('an RTX whose original sequence number was never NACKed is not placed', async () => {
    const p = probe();
    const from = source();
    await streamWithGap(p, from, [104]);
    feed(p, rtx(7000, 103, 0x3333_3333), from);
    expect(p.report().feedback?.unmatchedRetransmissions).toBe(1);
    expect(viewerOf(p).viewer.retransmittedPackets).toBe(0);
  });

  it('an RTX from another source address is not placed on this source\'s stream', async () => {
    const p = probe();
    const from = source();
    await streamWithGap(p, from, [104]);
    feed(p, rtx(7000, 104, 0x3333_3333), source());
    expect(p.report().feedback?.unmatchedRetransmissions).toBe(1);
    expect(viewerOf(p).viewer.retransmittedPackets).toBe(0);
  });

  it('two streams of one source NACKed the same number: the RTX stays unplaced until one that tells them apart', async () => {
    const p = probe();
    const from = source();
    const other = 0x4444_4444;
    await streamWithGap(p, from, [104]);
    await streamWithGap(p, from, [104, 107], other);
    feed(p, rtx(7000, 104, 0x5555_5555), from);
    expect(p.report().feedback?.unmatchedRetransmissions).toBe(1);
    feed(p, rtx(7001, 107, 0x5555_5555), from);
    expect(p.report().feedback?.unmatchedRetransmissions).toBe(1);
    expect(viewerOf(p, other).viewer.retransmittedPackets).toBe(1);
    expect(viewerOf(p).viewer.retransmittedPackets).toBe(0);
  });
});

describe('the same packet resent more than once (a retried NACK crossed the first answer)', () => {
  it('every copy is a retransmission: not a late original on the wire, not a late packet for the viewer', async () => {
    const p = probe();
    const from = source();
    await streamWithGap(p, from, [104]);
    feed(p, video(104), from);
    feed(p, video(104), from);
    const { wire, viewer } = viewerOf(p);
    expect(viewer.retransmittedPackets).toBe(2);
    expect(viewer.nackRoundTrips).toBe(1);
    expect(viewer.packetsLate).toBe(0);
    expect(wire.lost).toBe(1);
    expect(wire.reordered).toBe(0);
    expect(wire.duplicates).toBe(0);
  });

  it('with RTX, the original arriving late after its RTX is the wire\'s late packet, and nothing new for the viewer', async () => {
    const p = probe();
    const from = source();
    await streamWithGap(p, from, [104]);
    feed(p, rtx(5000, 104, 0x2222_2222), from);
    feed(p, video(104), from);
    const { wire, viewer } = viewerOf(p);
    expect(viewer.retransmittedPackets).toBe(1);
    expect(viewer.packetsLate).toBe(0);
    expect(wire.lost).toBe(0);
    expect(wire.reordered).toBe(1);
  });
});
