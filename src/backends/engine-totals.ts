import type { EngineStats } from '../engine/engine-stats.js';
import { LatenessHistogram } from '../engine/lateness.js';
import type { EngineHealthWindow } from '../health/index.js';
import type { EngineTotals, PartitionHealth } from './backend.js';

/**
 * Every health window each partition reported (`health` events), kept by window index: a window
 * reported again (a restarted pod's log read anew) replaces the earlier report. Bounded by the
 * run's windows per partition.
 */
export class PartitionHealthLog {
  private readonly byPartition = new Map<number, Map<number, EngineHealthWindow>>();

  add(partition: number, windows: readonly EngineHealthWindow[]): void {
    let log = this.byPartition.get(partition);
    if (!log) this.byPartition.set(partition, (log = new Map()));
    for (const window of windows) log.set(window.index, window);
  }

  /** Per partition (ascending), its windows in order. */
  series(): PartitionHealth[] {
    return [...this.byPartition.entries()]
      .sort(([a], [b]) => a - b)
      .map(([partition, log]) => ({ partition, windows: [...log.values()].sort((a, b) => a.index - b.index) }));
  }
}

/**
 * Sums the partitions' latest stats into run totals: counters add up, lateness histograms merge
 * exactly, CPU and RSS add, event-loop delay takes the worst partition; the health windows stay
 * per partition (each is judged on its own). Used by every backend.
 */
export function sumEngineStats(stats: readonly (EngineStats | null)[], partitionsReady: number, partitionsDone: number, health: PartitionHealthLog | null = null): EngineTotals {
  const lateness = new LatenessHistogram();
  const totals: EngineTotals = {
    participants: 0,
    packetsSent: 0,
    bytesSent: 0,
    sendErrors: 0,
    sendRefused: 0,
    packetsDropped: 0,
    partitionsReady,
    partitionsDone,
    lateness: { buckets: [], maxMs: 0 },
    firstPacketMs: null,
    delayLineOverflows: 0,
    io: null,
    wouldBlock: 0,
    sendDropped: 0,
    processes: null,
    rtcpSent: 0,
    rtcpReceived: 0,
    retransmissionsSent: 0,
    keyframesSent: 0,
    senders: [],
    reconnects: [],
    webrtcMedia: null,
    health: health?.series() ?? [],
  };
  for (const s of stats) {
    if (!s) continue;
    totals.participants += s.participants;
    totals.packetsSent += s.packetsSent;
    totals.bytesSent += s.bytesSent;
    totals.sendErrors += s.sendErrors;
    totals.sendRefused += s.sendRefused ?? 0; // engines (pods) of older images do not report it
    totals.packetsDropped += s.packetsDroppedByChaos;
    totals.delayLineOverflows += s.delayLineOverflows;
    // Engines older than the batched I/O layer report none of these (they used dgram).
    totals.wouldBlock += s.wouldBlock ?? 0;
    totals.sendDropped += s.sendDropped ?? 0;
    const io = s.io ?? 'dgram';
    totals.io = totals.io === null || totals.io === io ? io : 'mixed';
    // Engines older than the feedback loop (a pod from an older image) report none of these.
    totals.rtcpSent += s.rtcpSent ?? 0;
    totals.rtcpReceived += s.rtcpReceived ?? 0;
    totals.retransmissionsSent += s.retransmissionsSent ?? 0;
    totals.keyframesSent += s.keyframesSent ?? 0;
    if (s.senders) totals.senders.push(...s.senders);
    if (s.reconnects) totals.reconnects.push(...s.reconnects);
    if (s.webrtcMedia) {
      const media = (totals.webrtcMedia ??= { native: 0, werift: 0, reasons: [] });
      media.native += s.webrtcMedia.native;
      media.werift += s.webrtcMedia.werift;
      for (const reason of s.webrtcMedia.reasons) if (!media.reasons.includes(reason)) media.reasons.push(reason);
    }
    lateness.merge(s.lateness);
    if (s.process) {
      const p = (totals.processes ??= { cpuMs: 0, rssBytes: 0, heapUsedBytes: 0, heapTotalBytes: 0, externalBytes: 0, arrayBuffersBytes: 0, eventLoopDelayP99Ms: 0, eventLoopDelayMaxMs: 0 });
      p.cpuMs += s.process.cpuUserMs + s.process.cpuSystemMs;
      p.rssBytes += s.process.rssBytes;
      p.heapUsedBytes += s.process.heapUsedBytes ?? 0;
      p.heapTotalBytes += s.process.heapTotalBytes ?? 0;
      p.externalBytes += s.process.externalBytes ?? 0;
      p.arrayBuffersBytes += s.process.arrayBuffersBytes ?? 0;
      p.eventLoopDelayP99Ms = Math.max(p.eventLoopDelayP99Ms, s.process.eventLoopDelayP99Ms);
      p.eventLoopDelayMaxMs = Math.max(p.eventLoopDelayMaxMs, s.process.eventLoopDelayMaxMs);
    }
    if (s.firstPacketMs !== null) totals.firstPacketMs = Math.min(totals.firstPacketMs ?? Infinity, s.firstPacketMs);
  }
  totals.lateness = lateness.toSparse();
  return totals;
}
