import { describe, expect, it } from 'vitest';
import { SendHistory } from '../../../src/session/index.js';

const HEADER_BYTES = 28;

/** A 12-byte RTP header (+ 16 bytes of extension) whose sequence number bytes carry `seq` and whose byte 27 is `tag`. */
function header(seq: number, tag = 0): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  b[0] = 0x90;
  b[1] = 96;
  b.writeUInt16BE(seq & 0xffff, 2);
  b[27] = tag;
  return b;
}

describe('SendHistory (the ring NACKs are answered from)', () => {
  it('rounds the capacity up to a power of two, at least minPackets and at least 16, at most 2^15', () => {
    const capacityFor = (minPackets: number): number => new SendHistory(minPackets, HEADER_BYTES).capacity;
    expect(capacityFor(0)).toBe(16);
    expect(capacityFor(16)).toBe(16);
    expect(capacityFor(17)).toBe(32);
    expect(capacityFor(1000)).toBe(1024);
    expect(capacityFor(1024)).toBe(1024);
    expect(capacityFor(1025)).toBe(2048);
    // Half the 16-bit sequence space at most: a slot must never be claimed by two live numbers.
    expect(capacityFor(40_000)).toBe(32_768);
    for (const n of [1, 5, 33, 375, 4099]) {
      const c = capacityFor(n);
      expect(c & (c - 1)).toBe(0);
      expect(c).toBeGreaterThanOrEqual(n);
      expect(c / 2).toBeLessThan(Math.max(n, 16));
    }
  });

  it('finds the latest `capacity` packets; older ones are overwritten and no longer found', () => {
    const history = new SendHistory(16, HEADER_BYTES);
    const payload = Buffer.from('p');
    for (let seq = 100; seq < 100 + 40; seq++) history.record(seq, header(seq), HEADER_BYTES, payload, seq);
    for (let seq = 100; seq < 124; seq++) expect(history.find(seq), `seq ${seq}`).toBe(-1);
    for (let seq = 124; seq < 140; seq++) {
      const slot = history.find(seq);
      expect(slot, `seq ${seq}`).toBeGreaterThanOrEqual(0);
      expect(history.header(slot).readUInt16BE(2)).toBe(seq);
      expect(history.sentAt(slot)).toBe(seq);
    }
    expect(history.find(140)).toBe(-1); // never sent
  });

  it('follows the 16-bit sequence number across its wrap (65535 -> 0) and does not confuse numbers 65536 apart', () => {
    const history = new SendHistory(32, HEADER_BYTES);
    const payload = Buffer.from('p');
    let seq = 65_520;
    for (let i = 0; i < 40; i++, seq = (seq + 1) & 0xffff) history.record(seq, header(seq, i), HEADER_BYTES, payload, i);
    // Sent: 65520..65535, then 0..23; the ring holds the latest 32: 65528..65535, 0..23.
    expect(history.find(65_527)).toBe(-1);
    for (const s of [65_528, 65_535, 0, 1, 23]) expect(history.header(history.find(s)).readUInt16BE(2)).toBe(s);
    expect(history.find(24)).toBe(-1);
    // A whole sequence cycle later the same numbers are new packets: the newest wins.
    const fresh = Buffer.from('fresh');
    history.record(0, header(0, 0xee), HEADER_BYTES, fresh, 1000);
    expect(history.payload(history.find(0))).toBe(fresh);
    expect(history.header(history.find(0))[27]).toBe(0xee);
  });

  it('copies the header (the engine re-stamps its one header buffer per packet) and keeps the payload by reference', () => {
    const history = new SendHistory(16, HEADER_BYTES);
    const reused = header(7, 0x11);
    const payload = Buffer.from('shared, immutable payload');
    history.record(7, reused, HEADER_BYTES, payload, 0);
    reused.fill(0xff); // the engine stamps the next packet into the same buffer
    const slot = history.find(7);
    expect(history.header(slot).readUInt16BE(2)).toBe(7);
    expect(history.header(slot)[27]).toBe(0x11);
    expect(history.headerLength(slot)).toBe(HEADER_BYTES);
    expect(history.payload(slot)).toBe(payload); // the same Buffer, not a copy
  });

  it('records a shorter header with its own length; the slot is a view of headerBytes', () => {
    const history = new SendHistory(16, HEADER_BYTES);
    const short = header(3).subarray(0, 12);
    history.record(3, short, 12, Buffer.alloc(0), 0);
    const slot = history.find(3);
    expect(history.headerLength(slot)).toBe(12);
    expect(history.header(slot).length).toBe(HEADER_BYTES);
    expect(history.header(slot).subarray(0, 12)).toEqual(short);
  });

  it('remembers when a slot was last resent; recording the slot anew forgets it', () => {
    const history = new SendHistory(16, HEADER_BYTES);
    history.record(5, header(5), HEADER_BYTES, Buffer.alloc(1), 10);
    const slot = history.find(5);
    expect(history.resentAt(slot)).toBe(-Infinity);
    history.markResent(slot, 50);
    expect(history.resentAt(slot)).toBe(50);
    history.record(5 + 16, header(21), HEADER_BYTES, Buffer.alloc(1), 60);
    expect(history.find(5)).toBe(-1);
    expect(history.resentAt(history.find(21))).toBe(-Infinity);
  });
});
