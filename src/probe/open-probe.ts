import { chooseIo, ioRequest } from '../io/index.js';
import { ProbeReceiver, type ProbeOptions } from './receiver.js';
import type { RunningProbe } from './running-probe.js';
import { ShardedProbe } from './shards/sharded-probe.js';

/**
 * Opens the probe a run listens with: a sharded probe (`shards` worker threads sharing the port)
 * when more than one shard is asked for and the I/O is batched, else one `ProbeReceiver` (node:dgram
 * has no SO_REUSEPORT here, one shard is the receiver itself, and a viewer's downlink is one link
 * whose queue and loss draws cannot be split over threads). Throws E_NETWORK.
 */
export async function openProbe(options: ProbeOptions & { shards?: number }): Promise<RunningProbe> {
  const { shards = 1, ...probeOptions } = options;
  const io = probeOptions.io ?? chooseIo(ioRequest(undefined, process.env), process.env);
  if (shards <= 1 || io.path !== 'batched' || probeOptions.downlink) return ProbeReceiver.open({ ...probeOptions, io });
  const { io: _io, ticks: _ticks, reusePort: _reusePort, downlink: _downlink, ...shardOptions } = probeOptions;
  return ShardedProbe.open({ ...shardOptions, shards });
}
