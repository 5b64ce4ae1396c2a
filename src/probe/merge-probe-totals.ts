import { AvcmError } from '../errors/index.js';
import type { ProbeHealthWindow } from '../health/index.js';
import type { ProbeReport } from './types.js';

/**
 * What every merge of probe reports measured over the same windows shares (probe shards, a
 * probe's viewers): the windows must line up (same run start, window length and count; E_INTERNAL
 * naming `part(i)` otherwise), counters add up, the health is the worst part's per window, and
 * the feedback counters are summed (null when a part sent no feedback). Streams and the
 * machine-wide `kernelRcvbufErrors` are the caller's: how they combine depends on what the parts are.
 */
export function mergeProbeTotals(reports: readonly ProbeReport[], part: (index: number) => string): Omit<ProbeReport, 'streams' | 'kernelRcvbufErrors'> {
  const first = reports[0];
  reports.forEach((report, i) => {
    if (report.runStartEpochMs !== first.runStartEpochMs || report.windowMs !== first.windowMs || report.windowCount !== first.windowCount) {
      throw new AvcmError('E_INTERNAL', `${part(i)} measured other windows (start ${report.runStartEpochMs}, ${report.windowCount} x ${report.windowMs} ms) than ${part(0)} (start ${first.runStartEpochMs}, ${first.windowCount} x ${first.windowMs} ms)`);
    }
  });
  const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
  const drops = reports.map((r) => r.kernelDrops ?? null);
  const feedbacks = reports.map((r) => r.feedback ?? null);
  return {
    runStartEpochMs: first.runStartEpochMs,
    windowMs: first.windowMs,
    windowCount: first.windowCount,
    malformedPackets: sum(reports.map((r) => r.malformedPackets)),
    foreignPackets: sum(reports.map((r) => r.foreignPackets)),
    kernelDrops: drops.includes(null) ? null : sum(drops as number[]),
    io: first.io ?? null,
    ...(reports.some((r) => r.health) ? { health: mergeProbeHealth(reports.map((r) => r.health ?? [])) } : {}),
    feedback: feedbacks.includes(null)
      ? null
      : {
          rtcpSent: sum(feedbacks.map((f) => f!.rtcpSent)),
          rtcpReceived: sum(feedbacks.map((f) => f!.rtcpReceived)),
          rtcpMalformed: sum(feedbacks.map((f) => f!.rtcpMalformed)),
          unmatchedRetransmissions: sum(feedbacks.map((f) => f!.unmatchedRetransmissions)),
        },
  };
}

/**
 * The probe's health per window from its parts' (shards, viewers): a window is as late and as
 * stalled as its worst part (a shard is a thread with its own event loop and socket); the sockets'
 * own drops add up; CPU and RcvbufErrors are read process- and machine-wide by every part alike,
 * so the largest reading stands for all.
 */
export function mergeProbeHealth(shards: readonly (readonly ProbeHealthWindow[])[]): ProbeHealthWindow[] {
  const byIndex = new Map<number, ProbeHealthWindow>();
  for (const windows of shards) {
    for (const w of windows) {
      const seen = byIndex.get(w.index);
      byIndex.set(
        w.index,
        seen === undefined
          ? { ...w }
          : {
              index: w.index,
              receiveLagP99Ms: maxOrNull(seen.receiveLagP99Ms, w.receiveLagP99Ms),
              receiveLagMaxMs: maxOrNull(seen.receiveLagMaxMs, w.receiveLagMaxMs),
              eventLoopDelayP99Ms: Math.max(seen.eventLoopDelayP99Ms, w.eventLoopDelayP99Ms),
              eventLoopDelayMaxMs: Math.max(seen.eventLoopDelayMaxMs, w.eventLoopDelayMaxMs),
              cpuPercent: Math.max(seen.cpuPercent, w.cpuPercent),
              kernelDrops: seen.kernelDrops === null || w.kernelDrops === null ? null : seen.kernelDrops + w.kernelDrops,
              rcvbufErrors: maxOrNull(seen.rcvbufErrors, w.rcvbufErrors),
            },
      );
    }
  }
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

function maxOrNull(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}
