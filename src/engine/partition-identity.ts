import { AvcmError } from '../errors/index.js';

/**
 * Which partition this engine process runs, from (in order) the `--partition` flag, the
 * `PARTITION_ID` environment variable, or the ordinal suffix of the pod name (`POD_NAME` or
 * `HOSTNAME`, as a StatefulSet names its pods: `orchestrator-3` -> 3).
 */
export function resolvePartitionId(flag: number | undefined, env: NodeJS.ProcessEnv, partitions: number): number {
  const fromEnv = env.PARTITION_ID !== undefined && env.PARTITION_ID !== '' ? Number(env.PARTITION_ID) : undefined;
  const podName = env.POD_NAME || env.HOSTNAME;
  const suffix = podName ? /-(\d+)$/.exec(podName) : null;
  const fromPod = suffix ? Number(suffix[1]) : undefined;
  const partition = flag ?? fromEnv ?? fromPod;
  const source = flag !== undefined ? '--partition' : fromEnv !== undefined ? 'PARTITION_ID' : fromPod !== undefined ? `pod name ${podName}` : null;
  if (partition === undefined || source === null) {
    if (partitions === 1) return 0;
    throw new AvcmError('E_USAGE', `cannot tell which of the plan's ${partitions} partitions to run`, {
      hint: 'pass --partition N, set PARTITION_ID, or run as a StatefulSet pod named <name>-N',
    });
  }
  if (!Number.isInteger(partition) || partition < 0 || partition >= partitions) {
    throw new AvcmError('E_USAGE', `partition ${partition} (from ${source}) is outside the plan's partitions 0..${partitions - 1}`);
  }
  return partition;
}
