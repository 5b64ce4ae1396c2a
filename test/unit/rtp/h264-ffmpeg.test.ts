import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParsedRtp, H264Depacketizer, isKeyframeAccessUnit, nalType, packetizeH264AccessUnit, parseRtp, RtpHeaderWriter } from '../../../src/rtp/index.js';

const run = promisify(execFile);
const FRAMES = 60; // 2 s at 30 fps
const MAX_PAYLOAD_BYTES = 1200;
const TICKS_PER_FRAME = 3000; // 90 kHz / 30 fps

/** Test-only Annex-B splitter: NAL units between 3- or 4-byte start codes, start codes removed. */
function splitAnnexB(stream: Buffer): Buffer[] {
  const starts: Array<[number, number]> = []; // [start code offset, NAL offset]
  for (let i = 0; i + 2 < stream.length; i++) {
    if (stream[i] === 0 && stream[i + 1] === 0 && stream[i + 2] === 1) {
      starts.push([i > 0 && stream[i - 1] === 0 ? i - 1 : i, i + 3]);
      i += 2;
    }
  }
  return starts.map(([, nalAt], k) => stream.subarray(nalAt, k + 1 < starts.length ? starts[k + 1][0] : stream.length));
}

/**
 * Test-only access unit grouping (H.264 7.4.1.2.3, simplified for one slice group): a new unit
 * starts at an AUD/SPS/PPS/SEI after a slice, or at a slice whose first_mb_in_slice is 0
 * (ue(v) 0 is the single bit 1) after a slice.
 */
function groupAccessUnits(nals: Buffer[]): Buffer[][] {
  const units: Buffer[][] = [];
  let current: Buffer[] = [];
  let sawSlice = false;
  for (const unit of nals) {
    const type = nalType(unit[0]);
    const isSlice = type >= 1 && type <= 5;
    const startsNew = sawSlice && ((type >= 6 && type <= 9) || (isSlice && (unit[1] & 0x80) !== 0));
    if (startsNew) {
      units.push(current);
      current = [];
      sawSlice = false;
    }
    current.push(unit);
    if (isSlice) sawSlice = true;
  }
  if (current.length > 0) units.push(current);
  return units;
}

async function decodedFrames(file: string): Promise<{ frames: number; errors: string }> {
  const { stderr } = await run('ffmpeg', ['-nostdin', '-v', 'error', '-i', file, '-f', 'null', '-']);
  const { stdout } = await run('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', file]);
  return { frames: Number(stdout.trim()), errors: stderr.trim() };
}

describe('RFC 6184 round trip on a real x264 stream, checked by ffmpeg', () => {
  let dir = '';
  let source = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-rtp-h264-'));
    source = path.join(dir, 'out.h264');
    await run('ffmpeg', ['-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-t', '2', '-c:v', 'libx264', '-profile:v', 'baseline', '-g', '30', '-bf', '0', '-f', 'h264', source]);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('packetized at 1200 bytes, sent through RTP headers and depacketized, decodes without errors to the same frames', async () => {
    const original = await readFile(source);
    const units = groupAccessUnits(splitAnnexB(original));
    expect(units).toHaveLength(FRAMES);
    expect(units.filter(isKeyframeAccessUnit)).toHaveLength(2); // -g 30 over 60 frames

    const ids = { layout: 'rfc8285' as const, participantIdId: 1, absSendTimeId: 2 };
    const header = new RtpHeaderWriter({ payloadType: 96, ssrc: 0x1234, participantId: 7, extensions: ids });
    const parsed = createParsedRtp();
    const depacketizer = new H264Depacketizer();
    const out: Buffer[] = [];
    const receive = Buffer.alloc(1500); // one reused receive buffer, as a socket would give
    let sequenceNumber = 65_500; // crosses the 16-bit wrap
    let packets = 0;
    let fuA = 0;
    let stapA = 0;
    units.forEach((nals, frame) => {
      const payloads = packetizeH264AccessUnit(nals, MAX_PAYLOAD_BYTES);
      payloads.forEach((payload, i) => {
        expect(payload.length).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES);
        if (nalType(payload[0]) === 28) fuA++;
        if (nalType(payload[0]) === 24) stapA++;
        header.stamp(sequenceNumber++, 2 ** 32 - 30_000 + frame * TICKS_PER_FRAME, i === payloads.length - 1, 0);
        header.buffer.copy(receive);
        payload.copy(receive, header.length);
        expect(parseRtp(receive, header.length + payload.length, ids, parsed)).toBe(true);
        const unit = depacketizer.push(receive.subarray(parsed.payloadOffset, parsed.payloadOffset + parsed.payloadLength), parsed.marker, parsed.timestamp);
        if (unit) out.push(unit);
        packets++;
      });
    });
    expect(fuA).toBeGreaterThan(0);
    expect(stapA).toBeGreaterThan(0);
    expect(depacketizer.errors).toBe(0);
    expect(out).toHaveLength(FRAMES);
    out.forEach((unit, k) => expect(splitAnnexB(unit)).toEqual(units[k]));
    expect(packets).toBeGreaterThan(FRAMES);

    const file = path.join(dir, 'depacketized.h264');
    await writeFile(file, Buffer.concat(out));
    const [before, after] = await Promise.all([decodedFrames(source), decodedFrames(file)]);
    expect(after.errors).toBe('');
    expect(before.frames).toBe(FRAMES);
    expect(after.frames).toBe(before.frames);
  });

  it('a lost FU-A fragment drops that NAL unit and is counted; ffmpeg still decodes the rest', async () => {
    const units = groupAccessUnits(splitAnnexB(await readFile(source)));
    const packetized = units.map((nals) => packetizeH264AccessUnit(nals, MAX_PAYLOAD_BYTES));
    // the first P frame whose slice is fragmented loses its last fragment (also its marker packet)
    const lossy = packetized.findIndex((payloads, k) => !isKeyframeAccessUnit(units[k]) && payloads.length >= 2 && nalType(payloads[0][0]) === 28);
    expect(lossy).toBeGreaterThan(0);
    const depacketizer = new H264Depacketizer();
    const out: Buffer[] = [];
    packetized.forEach((payloads, frame) => {
      payloads.forEach((payload, i) => {
        if (frame === lossy && i === payloads.length - 1) return;
        const unit = depacketizer.push(payload, i === payloads.length - 1, frame * TICKS_PER_FRAME);
        if (unit) out.push(unit);
      });
    });
    expect(depacketizer.errors).toBe(1);
    expect(out).toHaveLength(FRAMES - 1); // the lossy frame had one slice, now dropped
    const file = path.join(dir, 'lossy.h264');
    await writeFile(file, Buffer.concat(out));
    const decoded = await decodedFrames(file);
    expect(decoded.frames).toBe(FRAMES - 1);
  });
});
