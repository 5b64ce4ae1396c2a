import { describe, expect, it } from 'vitest';
import { opusPacketDurationMs } from '../../../src/rtp/index.js';

const toc = (config: number, code: number): number => (config << 3) | code;

describe('RFC 7587 / RFC 6716 3.1: Opus packet duration from the TOC byte', () => {
  it.each([
    [0, 10], [1, 20], [2, 40], [3, 60], // SILK NB
    [9, 20], [11, 60], // SILK WB
    [12, 10], [13, 20], [15, 20], // Hybrid SWB/FB
    [16, 2.5], [17, 5], [18, 10], [19, 20], [31, 20], // CELT NB..FB
  ])('config %i: one frame (code 0) is %f ms', (config, ms) => {
    expect(opusPacketDurationMs(Buffer.from([toc(config, 0), 0xff]))).toBe(ms);
  });

  it('code 1 and 2 hold two frames, code 3 holds M frames', () => {
    expect(opusPacketDurationMs(Buffer.from([toc(31, 1), 1, 2]))).toBe(40);
    expect(opusPacketDurationMs(Buffer.from([toc(1, 2), 1, 9]))).toBe(40);
    expect(opusPacketDurationMs(Buffer.from([toc(16, 3), 4]))).toBe(10); // 4 x 2.5 ms
    expect(opusPacketDurationMs(Buffer.from([toc(19, 3), 0x80 | 0x40 | 6]))).toBe(120); // VBR + padding flags ignored
  });

  it('returns 0 for malformed packets', () => {
    expect(opusPacketDurationMs(Buffer.alloc(0))).toBe(0);
    expect(opusPacketDurationMs(Buffer.from([toc(1, 2)]))).toBe(0); // code 2 without the size byte
    expect(opusPacketDurationMs(Buffer.from([toc(1, 3)]))).toBe(0); // code 3 without the count byte
    expect(opusPacketDurationMs(Buffer.from([toc(1, 3), 0]))).toBe(0); // M = 0
    expect(opusPacketDurationMs(Buffer.from([toc(3, 3), 3]))).toBe(0); // 180 ms > 120 ms
  });

  it('reads what ffmpeg/libopus writes at 20 ms (config 31 = CELT FB 20 ms, code 0)', () => {
    // libopus at 48 kHz fullband, 20 ms: TOC 0xf8 (mono) or 0xfc (stereo)
    expect(opusPacketDurationMs(Buffer.from([0xf8, 0x00]))).toBe(20);
    expect(opusPacketDurationMs(Buffer.from([0xfc, 0x00]))).toBe(20);
  });
});
