// One shard of a sharded probe, run in a worker thread: its own ProbeReceiver on an SO_REUSEPORT
// socket bound to the probe's port. The kernel hashes each source address and port to one of the
// shards' sockets, so every stream (and its RTX and RTCP) lives in one shard, and the shard's
// feedback leaves from the port the source sends to.
import { parentPort, workerData } from 'node:worker_threads';
import { toAvcmError } from '../../errors/index.js';
import { chooseIo } from '../../io/index.js';
import { ProbeReceiver } from '../receiver.js';
import type { FromShard, ShardWorkerData, ToShard } from './shard-protocol.js';

/** How long after a window boundary a shard posts its live parts: late enough for the window's last packets, early enough that all shards post the same window. */
const LIVE_AFTER_BOUNDARY_MS = 100;

const port = parentPort!;
const { options } = workerData as ShardWorkerData;
const post = (message: FromShard): void => port.postMessage(message);

let probe: ProbeReceiver;
try {
  probe = await ProbeReceiver.open({ ...options, io: chooseIo('batched', process.env), reusePort: true });
} catch (error) {
  const failure = toAvcmError(error, 'E_NETWORK');
  post({ type: 'failed', error: { code: failure.code, message: failure.message, hint: failure.hint } });
  process.exit(0);
}

let runStartEpochMs = Date.now();
let wantRows = false;
let liveTimer: NodeJS.Timeout | null = null;

/** Posts the live parts just after the next window boundary, and again after each one. */
function scheduleLive(): void {
  if (liveTimer !== null) clearTimeout(liveTimer);
  const now = Date.now();
  const windowMs = probe.windowMs;
  const next = runStartEpochMs + (Math.floor((now - runStartEpochMs) / windowMs) + 1) * windowMs + LIVE_AFTER_BOUNDARY_MS;
  liveTimer = setTimeout(() => {
    post({ type: 'live', parts: probe.liveParts(), rows: wantRows ? probe.liveStreams() : null });
    scheduleLive();
  }, next - now);
}

port.on('message', async (message: ToShard) => {
  switch (message.type) {
    case 'start':
      runStartEpochMs = message.runStartEpochMs;
      probe.start(runStartEpochMs);
      scheduleLive();
      return;
    case 'register-rtx':
      probe.registerRtx(new Map(message.pairs));
      return;
    case 'want-rows':
      wantRows = true;
      return;
    case 'windows-touched':
      post({ type: 'windows-touched', id: message.id, windows: probe.windowsTouched() });
      return;
    case 'report':
      post({ type: 'report', id: message.id, report: probe.report(message.windowCount) });
      return;
    case 'close':
      if (liveTimer !== null) clearTimeout(liveTimer);
      await probe.close();
      post({ type: 'closed', id: message.id });
      port.close();
      return;
  }
});

scheduleLive();
post({ type: 'ready', address: probe.address });
