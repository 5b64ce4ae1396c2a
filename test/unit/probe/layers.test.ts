import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProbeReceiver } from '../../../src/probe/index.js';
import { NAL_SPS } from '../../../src/rtp/index.js';
import { EXT, rtpPacket } from './packets.js';

/** Which simulcast layer a stream carries (`StreamReport.layers`), from the RID or from the SPS of keyframes. */
const LAYERS = [
  { rid: 'h', width: 1280, height: 720 },
  { rid: 'm', width: 640, height: 360 },
  { rid: 'l', width: 320, height: 180 },
];
const RUN_START = 5_000_000;

/** The first SPS NAL unit of a shipped layer's Annex-B file. */
function shippedSps(file: string): Buffer {
  const stream = readFileSync(path.resolve('media/default', file));
  for (let i = 0; i + 3 < stream.length; i++) {
    if (stream[i] === 0 && stream[i + 1] === 0 && stream[i + 2] === 1 && (stream[i + 3] & 0x1f) === NAL_SPS) {
      let end = i + 4;
      while (!(stream[end] === 0 && stream[end + 1] === 0)) end++;
      return stream.subarray(i + 3, end);
    }
  }
  throw new Error(`no SPS in ${file}`);
}

function probe(): ProbeReceiver {
  const p = ProbeReceiver.detached({ videoPayloadType: 96, audioPayloadType: 111, extensions: EXT, ticks: 'manual', layers: LAYERS });
  p.start(RUN_START);
  return p;
}

/** A packet whose payload is `payload` (an SPS, or filler for a P-slice). */
function packet(seq: number, payload: Buffer, rid?: string): Buffer {
  const header = rtpPacket({ seq, ts: 3000 * seq, pt: 96, ssrc: 0x3333, participant: 1001, marker: true, payloadBytes: 0, rid });
  return Buffer.concat([header, payload]);
}

const P_SLICE = Buffer.from([0x41, 0x9a, 0x00, 0x00, 0x10]);

describe('the layer a viewer receives', () => {
  it('behind an SFU (no RID): from the picture size in keyframes\' SPS; frames and bytes per layer and window; each change at the new layer\'s keyframe', () => {
    const p = probe();
    const sequence: Buffer[] = [];
    // 1 s of the top layer, then 1 s of the lowest (an SFU's switch at a keyframe), 30 frames each.
    for (const [file, frames] of [['talk.h264', 30], ['talk-320x180.h264', 30]] as const) {
      sequence.push(shippedSps(file));
      for (let i = 1; i < frames; i++) sequence.push(P_SLICE);
    }
    sequence.forEach((payload, seq) => {
      const bytes = packet(seq, payload);
      p.ingest(bytes, bytes.length, RUN_START + seq * (1000 / 30), -1, null);
    });
    const layers = p.report().streams[0].layers!;
    expect(layers.changes.map((c) => c.layer)).toEqual([2, 0]);
    expect(layers.changes[1].atMs).toBeCloseTo(1000, 0);
    expect(layers.frames[2][0]).toBe(30);
    expect(layers.frames[0][1]).toBe(30);
    expect(layers.frames[1]).toEqual([0, 0]);
  });

  it('straight from a publisher: from the RID (RFC 8852), one stream per layer', () => {
    const p = probe();
    const bytes = packet(1, P_SLICE, 'm');
    p.ingest(bytes, bytes.length, RUN_START + 10, -1, null);
    expect(p.report().streams[0].layers!.changes).toEqual([{ atMs: 10, layer: 1 }]);
  });

  it('a probe without simulcast layers reports none', () => {
    const p = ProbeReceiver.detached({ videoPayloadType: 96, audioPayloadType: 111, extensions: EXT, ticks: 'manual' });
    const bytes = packet(1, shippedSps('talk.h264'));
    p.ingest(bytes, bytes.length, RUN_START, -1, null);
    expect(p.report().streams[0].layers).toBeUndefined();
  });
});
