import { AvcmError } from '../../errors/index.js';
import { sortStreamReports } from '../receiver.js';
import type { ProbeHealthWindow } from '../../health/index.js';
import type { ProbeReport, StreamReport } from '../types.js';

/**
 * One probe's report from its shards' reports, exactly: each stream was measured whole by one
 * shard (the kernel sends a source's datagrams to one socket), so streams are concatenated, never
 * combined; counters are summed. The shards share the run start and were asked for the same window
 * count, so their windows line up. `kernelRcvbufErrors` is the machine-wide counter's delta, read
 * once by the caller (summing the shards' would count it once per shard). Throws E_RUN when a
 * stream appears in two shards: it came from more than one source address or port, and two
 * halves of one sequence-number space cannot be merged into exact RFC 3550 statistics. The
 * probe's health is the worst shard's per window (`mergeShardHealth`).
 */
export function mergeShardReports(reports: readonly ProbeReport[], kernelRcvbufErrors: number | null): ProbeReport {
  if (reports.length === 0) throw new AvcmError('E_INTERNAL', 'a sharded probe had no shard reports to merge');
  const first = reports[0];
  const streams: StreamReport[] = [];
  const shardOf = new Map<number, number>();
  for (let shard = 0; shard < reports.length; shard++) {
    const report = reports[shard];
    if (report.runStartEpochMs !== first.runStartEpochMs || report.windowMs !== first.windowMs || report.windowCount !== first.windowCount) {
      throw new AvcmError('E_INTERNAL', `probe shard ${shard} measured other windows (start ${report.runStartEpochMs}, ${report.windowCount} x ${report.windowMs} ms) than shard 0 (start ${first.runStartEpochMs}, ${first.windowCount} x ${first.windowMs} ms)`);
    }
    for (const stream of report.streams) {
      // One probe keys its streams by SSRC alone, so the shards' streams are told apart the same way.
      const key = stream.ssrc;
      const other = shardOf.get(key);
      if (other !== undefined) {
        throw new AvcmError('E_RUN', `${stream.media} stream SSRC ${stream.ssrc}${stream.participantId === null ? '' : ` (participant ${stream.participantId})`} arrived at probe shards ${other} and ${shard}: its packets came from more than one source address or port, and the shards cannot merge one stream's statistics exactly`, {
          hint: 'measure this run with one probe shard (probe.shards: 1 in the scenario, --probe-shards 1 on avcm bench)',
        });
      }
      shardOf.set(key, shard);
      streams.push(stream);
    }
  }
  const drops = reports.map((r) => r.kernelDrops ?? null);
  const feedbacks = reports.map((r) => r.feedback ?? null);
  return {
    runStartEpochMs: first.runStartEpochMs,
    windowMs: first.windowMs,
    windowCount: first.windowCount,
    streams: sortStreamReports(streams),
    malformedPackets: sum(reports.map((r) => r.malformedPackets)),
    foreignPackets: sum(reports.map((r) => r.foreignPackets)),
    kernelRcvbufErrors,
    kernelDrops: drops.includes(null) ? null : sum(drops as number[]),
    io: first.io ?? null,
    ...(reports.some((r) => r.health) ? { health: mergeShardHealth(reports.map((r) => r.health ?? [])) } : {}),
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
 * The probe's health per window from its shards': a window is as late and as stalled as its worst
 * shard (each shard is a thread with its own event loop and socket); the sockets' own drops add
 * up; CPU and RcvbufErrors are read process- and machine-wide by every shard alike, so the largest
 * reading stands for all.
 */
export function mergeShardHealth(shards: readonly (readonly ProbeHealthWindow[])[]): ProbeHealthWindow[] {
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

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
