import { describe, expect, it } from 'vitest';
import { PeriodicSchedule } from '../../../src/engine/periodic-schedule.js';

function collect(schedule: PeriodicSchedule, nowMs: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  schedule.drain(nowMs, (id, due, frame) => out.push([id, due, frame]));
  return out;
}

describe('PeriodicSchedule', () => {
  it('emits each stream once per period at its offset, in due order', () => {
    const schedule = new PeriodicSchedule(10, [
      { id: 0, offsetMs: 5 },
      { id: 1, offsetMs: 0 },
      { id: 2, offsetMs: 7.5 },
    ]);
    expect(schedule.nextDueMs()).toBe(0);
    expect(collect(schedule, 6)).toEqual([
      [1, 0, 0],
      [0, 5, 0],
    ]);
    expect(schedule.nextDueMs()).toBe(7.5);
    expect(collect(schedule, 25)).toEqual([
      [2, 7.5, 0],
      [1, 10, 1],
      [0, 15, 1],
      [2, 17.5, 1],
      [1, 20, 2],
      [0, 25, 2],
    ]);
  });

  it('frame numbers count periods since the run start: exactly duration/period frames per stream', () => {
    const schedule = new PeriodicSchedule(1000 / 30, [{ id: 0, offsetMs: 3 }]);
    const frames = collect(schedule, 10_000 - 1e-6);
    expect(frames).toHaveLength(300);
    expect(frames.at(-1)![2]).toBe(299);
  });

  it('a late joiner skips to the frame due now and keeps the run grid', () => {
    const schedule = new PeriodicSchedule(20, [
      { id: 0, offsetMs: 0 },
      { id: 1, offsetMs: 10 },
    ]);
    schedule.skipTo(1005);
    expect(schedule.nextDueMs()).toBe(1010);
    expect(collect(schedule, 1020)).toEqual([
      [1, 1010, 50],
      [0, 1020, 51],
    ]);
  });

  it('offsets longer than the period wrap into it and still come out in due order', () => {
    const schedule = new PeriodicSchedule(20, [
      { id: 0, offsetMs: 5 },
      { id: 1, offsetMs: 25 },
      { id: 2, offsetMs: 32 },
    ]);
    expect(collect(schedule, 20)).toEqual([
      [0, 5, 0],
      [1, 5, 0],
      [2, 12, 0],
    ]);
  });

  it('an empty schedule is never due', () => {
    const schedule = new PeriodicSchedule(20, []);
    expect(schedule.nextDueMs()).toBe(Infinity);
    expect(collect(schedule, 1e9)).toEqual([]);
  });
});
