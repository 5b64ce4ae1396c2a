/**
 * Test helpers for RTCP wire tests: hex byte vectors, and a visitor that records every item the
 * reader hands it as a plain tuple so whole datagrams can be compared with `toEqual`.
 */
import { RtcpReader, type RtcpProblem, type RtcpVisitor } from '../../../src/rtcp/index.js';

/** Hex bytes with `#` comments to the end of the line, whitespace ignored. */
export const hex = (s: string): Buffer => Buffer.from(s.replace(/#.*$/gm, '').replace(/\s+/g, ''), 'hex');

/** One item as the reader reported it. */
export type RtcpEvent =
  | ['sr', number, number, number, number, number, number]
  | ['rr', number]
  | ['block', number, { ssrc: number; fractionLost: number; cumulativeLost: number; extendedHighestSeq: number; jitter: number; lsr: number; dlsr: number }]
  | ['cname', number, string]
  | ['bye', number]
  | ['nack', number, number, number, number]
  | ['pli', number, number]
  | ['fir', number, number, number]
  | ['remb', number, number, number[]];

/** A visitor implementing every method, pushing what it hears onto `events`. */
export function recordingVisitor(events: RtcpEvent[]): Required<RtcpVisitor> {
  const u32 = (buf: Uint8Array, at: number): number => ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
  return {
    senderReport: (ssrc, s, f, ts, packets, octets) => events.push(['sr', ssrc, s, f, ts, packets, octets]),
    receiverReport: (ssrc) => events.push(['rr', ssrc]),
    reportBlock: (reporter, b) => events.push(['block', reporter, { ...b }]),
    sdesCname: (ssrc, buf, start, end) => events.push(['cname', ssrc, Buffer.from(buf.subarray(start, end)).toString('latin1')]),
    bye: (ssrc) => events.push(['bye', ssrc]),
    nack: (sender, media, pid, blp) => events.push(['nack', sender, media, pid, blp]),
    pli: (sender, media) => events.push(['pli', sender, media]),
    fir: (sender, target, seq) => events.push(['fir', sender, target, seq]),
    remb: (sender, bps, buf, from, count) => events.push(['remb', sender, bps, Array.from({ length: count }, (_, i) => u32(buf, from + 4 * i))]),
  };
}

/** Reads `buf[0..length)` with a fresh reader; the problem, the items, and the reader's summary. */
export function readAll(buf: Uint8Array, length = buf.length): { problem: RtcpProblem | null; events: RtcpEvent[]; packets: number; startedWithReport: boolean } {
  const reader = new RtcpReader();
  const events: RtcpEvent[] = [];
  const problem = reader.read(buf, length, recordingVisitor(events));
  return { problem, events, packets: reader.packets, startedWithReport: reader.startedWithReport };
}

/** The sequence numbers one NACK FCI entry names (RFC 4585 6.2.1), in 16-bit serial arithmetic. */
export function expandNack(pid: number, blp: number): number[] {
  const seqs = [pid];
  for (let i = 0; i < 16; i++) if ((blp >> i) & 1) seqs.push((pid + i + 1) & 0xffff);
  return seqs;
}

/**
 * Appends RFC 3550 A.2 padding to the packet at `packetOffset` that ends the datagram `buf`: sets
 * P, grows the length field by `padBytes / 4` words, and ends with the padding count.
 */
export function padLast(buf: Buffer, packetOffset: number, padBytes: number, countOctet = padBytes): Buffer {
  const out = Buffer.concat([buf, Buffer.alloc(padBytes)]);
  out[packetOffset] |= 0x20;
  out.writeUInt16BE(out.readUInt16BE(packetOffset + 2) + padBytes / 4, packetOffset + 2);
  out[out.length - 1] = countOctet;
  return out;
}
