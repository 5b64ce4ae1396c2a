import { AvcmError } from '../../errors/index.js';
import { mergeProbeTotals } from '../merge-probe-totals.js';
import { sortStreamReports } from '../receiver.js';
import type { ProbeReport, StreamReport } from '../types.js';

/**
 * One probe's report from its shards' reports, exactly: each stream was measured whole by one
 * shard (the kernel sends a source's datagrams to one socket), so streams are concatenated, never
 * combined; counters are summed. The shards share the run start and were asked for the same window
 * count, so their windows line up. `kernelRcvbufErrors` is the machine-wide counter's delta, read
 * once by the caller (summing the shards' would count it once per shard). Throws E_RUN when a
 * stream appears in two shards: it came from more than one source address or port, and two
 * halves of one sequence-number space cannot be merged into exact RFC 3550 statistics. Counters, health and feedback
 * as `mergeProbeTotals`.
 */
export function mergeShardReports(reports: readonly ProbeReport[], kernelRcvbufErrors: number | null): ProbeReport {
  if (reports.length === 0) throw new AvcmError('E_INTERNAL', 'a sharded probe had no shard reports to merge');
  const totals = mergeProbeTotals(reports, (shard) => `probe shard ${shard}`);
  const streams: StreamReport[] = [];
  const shardOf = new Map<number, number>();
  for (let shard = 0; shard < reports.length; shard++) {
    for (const stream of reports[shard].streams) {
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
  return { ...totals, streams: sortStreamReports(streams), kernelRcvbufErrors };
}
