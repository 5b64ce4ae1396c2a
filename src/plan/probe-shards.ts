/**
 * Above this many participants `probe.shards: auto` splits the probe over two worker threads.
 * Measured with `avcm bench` on a 2-core machine (BENCHMARKS.md): one receiver thread keeps up with
 * the shipped clip to about this count; beyond it a second shard helps (on 2 cores, more than two
 * shards only compete with the engines).
 */
export const AUTO_PROBE_SHARDS_ABOVE_PARTICIPANTS = 1000;

/** The probe's shard count for a run: the scenario's number, or for `auto` 2 above the threshold and 1 below it. */
export function probeShards(setting: number | 'auto', participants: number): number {
  if (setting !== 'auto') return setting;
  return participants > AUTO_PROBE_SHARDS_ABOVE_PARTICIPANTS ? 2 : 1;
}
