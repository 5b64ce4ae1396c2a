import { describe, expect, it } from 'vitest';
import { DownlinkChaos } from '../../../src/chaos/index.js';
import type { PlannedSpike } from '../../../src/plan/types.js';
import { ProbeReceiver, type ReturnPath } from '../../../src/probe/index.js';
import { RtcpReader } from '../../../src/rtcp/index.js';
import { binomialTolerance, spike } from '../chaos/spike-fixture.js';
import { EXT, rtpPacket } from './packets.js';

/**
 * A viewer's downlink at the probe (ProbeReceiver `downlink`): the probe measures, NACKs and plays
 * out what the link delivers. Driven in fake time (manual ticks): the run starts at epoch 0 and
 * every packet's arrival and every tick is a chosen time.
 */
const RUN_START = 1_000_000;

function downlink(type: PlannedSpike['type'], params: PlannedSpike['params'], over: Partial<PlannedSpike> = {}): DownlinkChaos {
  return new DownlinkChaos(0, [spike(type, params, { direction: 'downlink', viewerIds: [0], participantIds: [], ...over })]);
}

function probe(chaos: DownlinkChaos | null, nack = false, remb = false): ProbeReceiver {
  const p = ProbeReceiver.detached({
    videoPayloadType: 96,
    audioPayloadType: 111,
    extensions: EXT,
    ticks: 'manual',
    viewer: { nack, pli: false, jitterBuffer: false },
    rtcp: nack || remb ? { ssrc: 0xabcd, reportIntervalMs: remb ? 1000 : null, remb } : null,
    downlink: chaos,
  });
  p.start(RUN_START);
  return p;
}

/** A source's return path that counts the NACKed sequence numbers the probe sends it (RFC 4585 6.2.1). */
function source(): ReturnPath & { nacked: Set<number> } {
  const nacked = new Set<number>();
  return {
    nacked,
    send(buf, length) {
      for (let at = 0; at + 4 <= length; ) {
        const end = at + 4 * (buf.readUInt16BE(at + 2) + 1);
        if (buf[at + 1] === 205 && (buf[at] & 0x1f) === 1) {
          for (let fci = at + 12; fci + 4 <= end; fci += 4) {
            const pid = buf.readUInt16BE(fci);
            const blp = buf.readUInt16BE(fci + 2);
            nacked.add(pid);
            for (let bit = 0; bit < 16; bit++) if (blp & (1 << bit)) nacked.add((pid + bit + 1) & 0xffff);
          }
        }
        at = end;
      }
    },
  };
}

/** `count` video packets of participant `participant` every `gapMs` from run ms `fromMs`, one frame each; ticks the probe along. */
function send(p: ProbeReceiver, count: number, gapMs: number, { participant = 7, ssrc = 0x2222, fromMs = 0, payloadBytes = 1000, from = null as ReturnPath | null } = {}): void {
  for (let i = 0; i < count; i++) {
    const at = RUN_START + fromMs + i * gapMs;
    p.tickAt(at);
    const packet = rtpPacket({ seq: i, ts: 3000 * i, pt: 96, ssrc, participant, marker: true, payloadBytes });
    p.ingest(packet, packet.length, at, -1, from);
  }
}

describe('a viewer\'s downlink at the probe: measured after the link', () => {
  it('downlink loss shows as wire loss at the probe, and only on the targeted participants\' streams', () => {
    const p = probe(downlink('rtp_packet_loss', { lossPercent: 20 }, { participantIds: [7] }));
    const n = 20_000;
    send(p, n, 1, { participant: 7, ssrc: 0x7777 });
    send(p, 2000, 1, { participant: 8, ssrc: 0x8888 });
    p.tickAt(RUN_START + 1e6);
    const streams = p.report().streams;
    const lossy = streams.find((s) => s.ssrc === 0x7777)!;
    const clean = streams.find((s) => s.ssrc === 0x8888)!;
    expect(Math.abs(lossy.totals.lost / n - 0.2)).toBeLessThan(binomialTolerance(0.2, n));
    expect(clean.totals.lost).toBe(0);
    expect(clean.totals.received).toBe(2000);
  });

  it('the probe NACKs exactly what the link lost (its feedback reflects the viewer\'s link)', () => {
    const p = probe(downlink('rtp_packet_loss', { lossPercent: 10 }), true);
    const from = source();
    send(p, 400, 10, { from });
    for (let t = 0; t < 2000; t += 5) p.tickAt(RUN_START + 4000 + t);
    const stream = p.report().streams[0];
    expect(stream.totals.lost).toBeGreaterThan(10);
    // Every loss inside the stream (not the tail the probe cannot know about) was NACKed.
    expect(from.nacked.size).toBeGreaterThanOrEqual(stream.totals.lost - 1);
  });

  it('network_jitter on the downlink delays packets: packets arrive later by the delay, none lost, nothing held after the spike', () => {
    const still = probe(null);
    send(still, 500, 20, { payloadBytes: 200 });
    const delayed = probe(downlink('network_jitter', { baseLatencyMs: 80, jitterStdDevMs: 0 }, { startMs: 0, endMs: 5000 }));
    send(delayed, 500, 20, { payloadBytes: 200 });
    delayed.tickAt(RUN_START + 1e6);
    const quiet = still.report().streams[0];
    const slow = delayed.report().streams[0];
    expect(slow.totals.received).toBe(500);
    // Held packets arrive 80 ms late: 4 of window 0's 50 packets (one every 20 ms) move to window 1.
    expect(quiet.windows[0].received).toBe(50);
    expect(slow.windows[0].received).toBe(46);
    // After the spike (5 s) nothing is held: the last windows match.
    expect(slow.windows[9].received).toBe(quiet.windows[9].received);
  });

  it('bandwidth_limit on the downlink: what arrives is capped at the limit, the rest waits in or falls out of the queue', () => {
    // 1200-byte packets every 2 ms = 4.8 Mbit/s into a 1 Mbit/s link with a 200 ms queue.
    const p = probe(downlink('bandwidth_limit', { bandwidthKbps: 1000, queueMs: 200 }));
    send(p, 2500, 2, { payloadBytes: 1200 });
    p.tickAt(RUN_START + 1e6);
    const stream = p.report().streams[0];
    const kbps = (stream.windows[2].bytes * 8) / 1000;
    expect(kbps).toBeGreaterThan(800);
    expect(kbps).toBeLessThan(1100);
    expect(stream.totals.lost).toBeGreaterThan(1500);
  });

  it('REMB (draft-alvestrand-rmcat-remb) with the receiver reports follows the viewer\'s link: near the cap under a 1 Mbit/s downlink, above the received rate on a clean one', () => {
    const estimates = (chaos: DownlinkChaos | null): number[] => {
      const p = probe(chaos, false, true);
      const heard: number[] = [];
      const reader = new RtcpReader();
      const from: ReturnPath = { send: (buf, length) => void reader.read(buf, length, { remb: (_s, bps) => void heard.push(bps) }) };
      // 1200-byte packets every 4 ms: about 2.5 Mbit/s offered for 10 s.
      send(p, 2500, 4, { payloadBytes: 1200, from });
      return heard;
    };
    const capped = estimates(downlink('bandwidth_limit', { bandwidthKbps: 1000, queueMs: 200 }));
    const clean = estimates(null);
    expect(capped.length).toBeGreaterThan(5);
    expect(clean.length).toBeGreaterThan(5);
    // Past the first seconds (the queue filling): the estimate stays at or below the cap.
    for (const bps of capped.slice(3)) expect(bps).toBeLessThan(1_100_000);
    for (const bps of clean.slice(1)) expect(bps).toBeGreaterThan(2_500_000);
  });

  it('frame_drop on the downlink loses whole frames (every packet of a frame, never a keyframe), its share of them', () => {
    const p = probe(downlink('frame_drop', { dropPercent: 30 }));
    // 3000 frames of 3 packets each (same timestamp), P-slices only.
    let seq = 0;
    for (let frame = 0; frame < 3000; frame++) {
      for (let k = 0; k < 3; k++) {
        const packet = Buffer.concat([rtpPacket({ seq: seq++, ts: 3000 * frame, pt: 96, ssrc: 0x5555, participant: 7, marker: k === 2, payloadBytes: 0 }), Buffer.from([0x41, 0x9a, 0, 0])]);
        p.ingest(packet, packet.length, RUN_START + frame * 33, -1, null);
      }
    }
    const lost = p.report().streams[0].totals.lost;
    // Whole frames: the loss is a multiple of 3 packets (dropped frames at the very end are not counted at all).
    expect(lost % 3).toBe(0);
    expect(Math.abs(lost / 3 / 3000 - 0.3)).toBeLessThan(binomialTolerance(0.3, 3000));
  });
});
