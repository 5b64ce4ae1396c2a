import { describe, expect, it } from 'vitest';
import { SendHistory } from '../../../src/session/index.js';

describe('SendHistory (the ring NACKs are answered from)', () => {
  it('rounds the capacity up to a power of two, at least minPackets and at least 16, at most 2^15', () => {
    const capacityFor = (minPackets: number): number => new SendHistory(minPackets).capacity;
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

  it('finds the latest `capacity` packets with their timestamp and marker; older ones are overwritten and no longer found', () => {
    const history = new SendHistory(16);
    const payload = Buffer.from('p');
    for (let seq = 100; seq < 100 + 40; seq++) history.record(seq, 0xf000_0000 + seq * 3000, seq % 4 === 3, payload);
    for (let seq = 100; seq < 124; seq++) expect(history.find(seq), `seq ${seq}`).toBe(-1);
    for (let seq = 124; seq < 140; seq++) {
      const slot = history.find(seq);
      expect(slot, `seq ${seq}`).toBeGreaterThanOrEqual(0);
      expect(history.timestamp(slot)).toBe((0xf000_0000 + seq * 3000) >>> 0);
      expect(history.marker(slot)).toBe(seq % 4 === 3);
    }
    expect(history.find(140)).toBe(-1); // never sent
  });

  it('takes either view of the 32-bit timestamp (the engine passes `ts | 0` to avoid boxing) and returns it unsigned', () => {
    const history = new SendHistory(16);
    history.record(1, 0xfedc_ba98 | 0, false, Buffer.alloc(0));
    expect(history.timestamp(history.find(1))).toBe(0xfedc_ba98);
  });

  it('follows the 16-bit sequence number across its wrap (65535 -> 0) and does not confuse numbers 65536 apart', () => {
    const history = new SendHistory(32);
    let seq = 65_520;
    for (let i = 0; i < 40; i++, seq = (seq + 1) & 0xffff) history.record(seq, i, false, Buffer.from([i]));
    // Sent: 65520..65535, then 0..23; the ring holds the latest 32: 65528..65535, 0..23.
    expect(history.find(65_527)).toBe(-1);
    for (const s of [65_528, 65_535, 0, 1, 23]) expect(history.find(s)).toBeGreaterThanOrEqual(0);
    expect(history.timestamp(history.find(0))).toBe(16);
    expect(history.find(24)).toBe(-1);
    // A whole sequence cycle later the same numbers are new packets: the newest wins.
    const fresh = Buffer.from('fresh');
    history.record(0, 1000, true, fresh);
    expect(history.payload(history.find(0))).toBe(fresh);
    expect(history.timestamp(history.find(0))).toBe(1000);
  });

  it('keeps the payload by reference (the shared, immutable media buffer), never a copy', () => {
    const history = new SendHistory(16);
    const payload = Buffer.from('shared, immutable payload');
    history.record(7, 0, true, payload);
    expect(history.payload(history.find(7))).toBe(payload);
  });

  it('remembers when a slot was last resent; recording the slot anew forgets it', () => {
    const history = new SendHistory(16);
    history.record(5, 0, false, Buffer.alloc(1));
    const slot = history.find(5);
    expect(history.resentAt(slot)).toBe(-Infinity);
    history.markResent(slot, 50);
    expect(history.resentAt(slot)).toBe(50);
    history.record(5 + 16, 0, false, Buffer.alloc(1));
    expect(history.find(5)).toBe(-1);
    expect(history.resentAt(history.find(21))).toBe(-Infinity);
  });
});
