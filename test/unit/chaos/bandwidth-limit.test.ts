import { describe, expect, it } from 'vitest';
import { DROP } from '../../../src/chaos/index.js';
import { chaosFor, spike } from './spike-fixture.js';

describe('bandwidth_limit (virtual queue, burst, bounded tail-drop queue)', () => {
  it('2x the limit for 10 s: output rate ~ limit (+-2%), the excess is dropped, and no packet queues longer than queueMs', () => {
    const chaos = chaosFor([spike('bandwidth_limit', { bandwidthKbps: 1000, queueMs: 200 })]);
    const bytes = 1250; // 10 kbit
    let deliveredBits = 0;
    let dropped = 0;
    let offered = 0;
    let maxQueueMs = 0;
    let lastLeaveMs = 0;
    for (let nowMs = 0; nowMs < 10_000; nowMs += 5) {
      offered++; // 10 kbit every 5 ms = 2000 kbit/s
      const leaveMs = chaos.processPacket(bytes, nowMs);
      if (leaveMs === DROP) {
        dropped++;
        continue;
      }
      maxQueueMs = Math.max(maxQueueMs, leaveMs - nowMs);
      deliveredBits += bytes * 8;
      lastLeaveMs = Math.max(lastLeaveMs, leaveMs);
    }
    const outputKbps = deliveredBits / (lastLeaveMs + (bytes * 8) / 1000); // the last packet occupies the link too
    expect(Math.abs(outputKbps - 1000)).toBeLessThan(20);
    expect(Math.abs(dropped / offered - 0.5)).toBeLessThan(0.02);
    expect(maxQueueMs).toBeLessThanOrEqual(200);
    expect(maxQueueMs).toBeGreaterThan(180); // the queue did fill: the drops are tail drops of a full queue
  });

  it('under the limit, smooth traffic sees no added delay', () => {
    const chaos = chaosFor([spike('bandwidth_limit', { bandwidthKbps: 5000, queueMs: 200 })]);
    for (let nowMs = 0; nowMs < 5000; nowMs += 10) expect(chaos.processPacket(1200, nowMs)).toBe(nowMs); // 960 kbit/s
  });

  it('under the limit, a lone packet is never delayed by its own size, even at a very low limit', () => {
    const chaos = chaosFor([spike('bandwidth_limit', { bandwidthKbps: 100, queueMs: 200 })]); // 1200 B = 96 ms of link
    for (let nowMs = 0; nowMs < 10_000; nowMs += 200) expect(chaos.processPacket(1200, nowMs)).toBe(nowMs); // 48 kbit/s
  });

  it('under the limit, a video frame burst waits at most its own serialization time beyond the burst allowance', () => {
    const chaos = chaosFor([spike('bandwidth_limit', { bandwidthKbps: 2000, queueMs: 200 })]);
    let maxDelayMs = 0;
    for (let frame = 0; frame < 300; frame++) {
      const nowMs = frame * 33.3; // 3 x 1200 B at 30 fps = 864 kbit/s
      for (let p = 0; p < 3; p++) maxDelayMs = Math.max(maxDelayMs, chaos.processPacket(1200, nowMs) - nowMs);
    }
    expect(maxDelayMs).toBeLessThanOrEqual((3 * 1200 * 8) / 2000 - 10 + 1e-9); // 14.4 ms of frame, 10 ms burst
  });

  it('one bottleneck for all of a participant media: audio queues behind saturating video', () => {
    const chaos = chaosFor([spike('bandwidth_limit', { bandwidthKbps: 500, queueMs: 300 })]);
    let audioDelaySumMs = 0;
    let audioPackets = 0;
    for (let nowMs = 0; nowMs < 5000; nowMs += 10) {
      chaos.processPacket(1200, nowMs); // video at 960 kbit/s saturates the link
      if (nowMs % 20 === 0) {
        const leaveMs = chaos.processPacket(120, nowMs);
        if (leaveMs !== DROP) {
          audioDelaySumMs += leaveMs - nowMs;
          audioPackets++;
        }
      }
    }
    expect(audioPackets).toBeGreaterThan(0);
    // Alone, 48 kbit/s of audio would pass a 500 kbit/s link undelayed.
    expect(audioDelaySumMs / audioPackets).toBeGreaterThan(100);
  });

  it('is inactive outside [start, end): at the end, packets already queued keep their leave times and new ones pass', () => {
    const chaos = chaosFor([spike('bandwidth_limit', { bandwidthKbps: 1000, queueMs: 500 }, { startMs: 1000, endMs: 2000 })]);
    expect(chaos.processPacket(1250, 500)).toBe(500);
    let lastQueuedLeaveMs = 0;
    for (let nowMs = 1000; nowMs < 2000; nowMs += 5) {
      const leaveMs = chaos.processPacket(1250, nowMs);
      if (leaveMs !== DROP) lastQueuedLeaveMs = leaveMs;
    }
    expect(lastQueuedLeaveMs).toBeGreaterThan(2300); // still draining after the end
    expect(chaos.processPacket(1250, 2000)).toBe(2000);
    expect(chaos.processPacket(1250, 2001)).toBe(2001);
  });

  it('loss comes before the bottleneck (chain order): packets lost on the path use none of its capacity', () => {
    const chaos = chaosFor([
      spike('bandwidth_limit', { bandwidthKbps: 1000, queueMs: 1000 }, { id: '0.0' }),
      spike('rtp_packet_loss', { lossPercent: 100, pattern: 'random' }, { id: '1.0', endMs: 100 }),
    ]);
    for (let nowMs = 0; nowMs < 100; nowMs++) expect(chaos.processPacket(5000, nowMs)).toBe(DROP);
    expect(chaos.processPacket(1250, 100)).toBe(100);
  });

  it('the bottleneck comes after jitter (chain order): what leaves never exceeds the limit over any 100 ms window (plus one burst)', () => {
    const chaos = chaosFor([
      spike('bandwidth_limit', { bandwidthKbps: 1000, queueMs: 200 }, { id: '0.0' }),
      spike('network_jitter', { baseLatencyMs: 50, jitterStdDevMs: 20 }, { id: '1.0' }),
    ]);
    const leaves: number[] = [];
    for (let nowMs = 0; nowMs < 10_000; nowMs += 5) {
      const leaveMs = chaos.processPacket(1250, nowMs); // 2000 kbit/s offered
      if (leaveMs !== DROP) leaves.push(leaveMs);
    }
    leaves.sort((a, b) => a - b);
    let maxInWindow = 0;
    for (let first = 0, last = 0; last < leaves.length; last++) {
      while (leaves[last] - leaves[first] >= 100) first++;
      maxInWindow = Math.max(maxInWindow, last - first + 1);
    }
    // 100 ms of link plus the 12 ms burst and the packet in flight: 10 kbit packets at 1000 kbit/s.
    expect(maxInWindow * 10).toBeLessThanOrEqual(100 + 12 + 10);
    expect(maxInWindow * 10).toBeGreaterThanOrEqual(90); // and the link is used
  });
});
