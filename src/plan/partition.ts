import os from 'node:os';

/** Ports of one partition: base_port + partition * PARTITION_PORT_STRIDE + index. */
export const PARTITION_PORT_STRIDE = 10_000;

/** Partition of a participant id: `participant_id % partitions` (the original platform's rule). */
export function partitionOf(participantId: number, partitions: number): number {
  return participantId % partitions;
}

/**
 * Source port of the participant at `index` inside `partition`: `base_port + partition*10000 + index`
 * (the contract), or 0 when the base port is 0 (ephemeral). When partitions have network namespaces
 * of their own (pods), ports only need to be unique inside a partition, and the formula
 * would pass 65535 from the 7th partition on; there it wraps within [base_port, 65535], so partitions
 * 0..5 keep exactly the contract's ports. On one shared host (local) it never wraps: validation
 * rejects a scenario whose ports would not fit.
 */
export function sourcePort(basePort: number, partition: number, index: number, sharedHost: boolean): number {
  if (basePort === 0) return 0;
  const offset = partition * PARTITION_PORT_STRIDE + index;
  return sharedHost ? basePort + offset : basePort + (offset % (65536 - basePort));
}

/**
 * Whether all partitions of a backend share one host's ports: local processes, and Docker
 * containers (they use the host's network); only pods have network namespaces of their own.
 */
export function partitionsShareHost(backend: 'local' | 'docker' | 'k8s'): boolean {
  return backend !== 'k8s';
}

export interface PartitionChoice {
  scaling: { partitions: number | 'auto'; participantsPerPartition: number; maxPartitions: number };
  participants: number;
  backend: 'local' | 'docker' | 'k8s';
  /** CLI `--partitions`, which wins over the scenario. */
  override?: number;
  /** Cores of this machine (local backend default); injected so plans stay pure in tests. */
  cores?: number;
}

/**
 * How many partitions (engine processes / containers / pods) a run uses. Local: one per core (no
 * more than participants). Docker/K8s: about `participants_per_partition` each, up to
 * `max_partitions` (the original platform's 150-per-pod, 10-pod StatefulSet).
 */
export function resolvePartitions(choice: PartitionChoice): number {
  const wanted = choice.override ?? choice.scaling.partitions;
  if (wanted !== 'auto') return Math.max(1, Math.min(wanted, choice.participants));
  if (choice.backend === 'local') {
    const cores = choice.cores ?? os.availableParallelism();
    return Math.max(1, Math.min(cores, choice.participants));
  }
  const needed = Math.ceil(choice.participants / choice.scaling.participantsPerPartition);
  return Math.max(1, Math.min(needed, choice.scaling.maxPartitions));
}

/** Participants per partition when ids are `first_id .. first_id+count-1` spread by id modulo. */
export function largestPartitionSize(firstId: number, count: number, partitions: number): number {
  let largest = 0;
  for (let p = 0; p < partitions; p++) {
    // ids in [firstId, firstId+count) congruent to p mod partitions
    const firstInP = firstId + ((p - (firstId % partitions) + partitions) % partitions);
    const size = firstInP >= firstId + count ? 0 : Math.floor((firstId + count - 1 - firstInP) / partitions) + 1;
    largest = Math.max(largest, size);
  }
  return largest;
}
