/**
 * Above this many participants `probe.shards: auto` splits the probe over two worker threads.
 * Measured with `avcm bench --probe-shards 1|2` on a busy 2-core machine (batched I/O): one
 * receiver thread cost 3.5-5.6 us per packet, so 500 participants of the shipped clip (372 pkt/s
 * each, 186 k pkt/s) already need about a core; there one shard dropped 44 % in its socket buffer
 * and two shards nothing. Two, not more: on 2 cores further shards only compete with the engines.
 */
export const AUTO_PROBE_SHARDS_ABOVE_PARTICIPANTS = 500;

/** The probe's shard count for a run: the scenario's number, or for `auto` 2 above the threshold and 1 below it. */
export function probeShards(setting: number | 'auto', participants: number): number {
  if (setting !== 'auto') return setting;
  return participants > AUTO_PROBE_SHARDS_ABOVE_PARTICIPANTS ? 2 : 1;
}
