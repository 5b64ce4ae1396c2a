import { afterEach, describe, expect, it } from 'vitest';
import { ProbeReceiver } from '../../../src/probe/index.js';
import { EXT, rtpPacket } from './packets.js';

/**
 * A simulcast publisher seen by the probe: one participant, three video SSRCs whose packets carry
 * their RID (RFC 8852), interleaved as an engine sends them (a frame of every layer per tick).
 */
const START = 1_700_000_000_000;
const LAYERS = [
  { rid: 'h', ssrc: 0xa000_0001, rtx: 0xb000_0001, packetsPerFrame: 6 },
  { rid: 'm', ssrc: 0xa000_0002, rtx: 0xb000_0002, packetsPerFrame: 2 },
  { rid: 'l', ssrc: 0x0000_0003, rtx: 0x0000_0004, packetsPerFrame: 1 },
];

const probes: ProbeReceiver[] = [];
afterEach(async () => {
  await Promise.all(probes.splice(0).map((p) => p.close()));
});

function probe(viewer = false): ProbeReceiver {
  const rtx = new Map(LAYERS.map((l) => [l.rtx, l.ssrc]));
  const p = ProbeReceiver.detached({
    videoPayloadType: 96,
    audioPayloadType: 111,
    extensions: EXT,
    expectedDurationMs: 4000,
    rtx: { payloadType: 97, ssrcs: rtx },
    ...(viewer ? { viewer: { nack: false, pli: false, jitterBuffer: { fixedDelayMs: 2000 } } } : {}),
  });
  p.start(START);
  probes.push(p);
  return p;
}

/** Sends `frames` frames of every layer, 33 ms apart; the packet with sequence `drop` of layer `dropRid` is not sent. */
function feed(p: ProbeReceiver, frames: number, drop?: { rid: string; seq: number }): void {
  const seq = LAYERS.map(() => 100);
  for (let f = 0; f < frames; f++) {
    const at = START + 10 + f * (1000 / 30);
    LAYERS.forEach((layer, i) => {
      for (let k = 0; k < layer.packetsPerFrame; k++) {
        const s = seq[i]++;
        if (drop && drop.rid === layer.rid && drop.seq === s) continue;
        // The RID on every packet, as avcm and browsers without an SSRC mapping send it.
        const packet = rtpPacket({ seq: s, ts: 5000 + 3000 * f, pt: 96, ssrc: layer.ssrc, participant: 1001, abs: 0, rid: layer.rid, marker: k === layer.packetsPerFrame - 1, payloadBytes: 300 });
        p.ingest(packet, packet.length, at + k * 0.1 + i * 0.01);
      }
    });
  }
}

describe('the probe receives simulcast layers as separate streams', () => {
  it('three SSRCs of one participant are three video streams, each named by its RID, counted apart', () => {
    const p = probe();
    feed(p, 60, { rid: 'm', seq: 130 });
    const streams = p.report(2).streams;
    expect(streams.map((s) => [s.participantId, s.media, s.rid, s.ssrc])).toEqual(
      // sorted by participant, medium, then SSRC
      [...LAYERS].sort((a, b) => a.ssrc - b.ssrc).map((l) => [1001, 'video', l.rid, l.ssrc]),
    );
    const byRid = new Map(streams.map((s) => [s.rid, s]));
    expect(byRid.get('h')!.totals).toMatchObject({ received: 360, lost: 0, frames: 60 });
    expect(byRid.get('m')!.totals).toMatchObject({ received: 119, expected: 120, lost: 1, frames: 60 });
    expect(byRid.get('l')!.totals).toMatchObject({ received: 60, lost: 0, frames: 60 });
    expect(p.liveStreams().map((r) => r.rid).sort()).toEqual(['h', 'l', 'm']);
  });

  it("an RTX packet goes to the layer it repairs (the plan's RTX SSRC map), not to another layer of the participant", () => {
    const p = probe(true);
    feed(p, 30, { rid: 'm', seq: 110 });
    // layer m's RTX: original sequence number 110 first in the payload, repaired RID (id 11) in the header
    const rtx = rtpPacket({ seq: 7, ts: 5000 + 3000 * 5, pt: 97, ssrc: LAYERS[1].rtx, participant: 1001, abs: 0, payloadBytes: 302 });
    rtx.writeUInt16BE(110, rtx.length - 302);
    p.ingest(rtx, rtx.length, START + 1000);
    const report = p.report(1);
    const retransmitted = new Map(report.streams.map((s) => [s.rid, s.viewer!.totals.retransmittedPackets]));
    expect(Object.fromEntries(retransmitted)).toEqual({ h: 0, m: 1, l: 0 });
    expect(report.feedback!.unmatchedRetransmissions).toBe(0);
    // The wire loss stays measured as it was on the wire.
    expect(report.streams.find((s) => s.rid === 'm')!.totals).toMatchObject({ received: 59, lost: 1 });
  });

  it('a stream without RID (a single encoding) reports none', () => {
    const p = probe();
    const packet = rtpPacket({ seq: 1, ts: 1, pt: 96, ssrc: 77, participant: 1002, abs: 0 });
    p.ingest(packet, packet.length, START + 5);
    const [stream] = p.report(1).streams;
    expect(stream.rid).toBeUndefined();
    expect('rid' in stream).toBe(false);
  });
});
