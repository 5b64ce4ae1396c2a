import { BatchedUdp } from './batched-udp.js';
import { requireNativeBinary, resolveNativeBinary } from './native-binding.js';

/** The result of `loadBatchedUdp`: the layer, or why this process must use node:dgram. */
export type BatchedUdpLoad = { available: true; udp: BatchedUdp } | { available: false; reason: string };

/** Names the TypeScript side reads by; a binary exporting other names is from another avcm version. */
const COUNTERS_READ = ['packetsSent', 'bytesSent', 'sendCalls', 'gsoDatagrams', 'wouldBlock', 'sendDropped', 'sendErrors', 'connectionRefused', 'lastSendErrno', 'gsoState', 'gsoRefusedErrno', 'datagramsReceived', 'bytesReceived', 'receiveCalls', 'batchesDelivered', 'truncated', 'receiveErrors', 'lastReceiveErrno', 'kernelDrops'];
const FLUSH_FIGURES = ['packetsSent', 'bytesSent', 'packetsDropped', 'wouldBlock', 'errors', 'sendCalls', 'gsoDatagrams', 'gsoFallbacks'];

/**
 * Loads avcm's batched UDP addon for the calling thread (main or worker). Never throws: on other
 * systems than Linux, when no binary exists for this platform (none built, no prebuilt one), or
 * when it fails to load, it says why in one line, and the caller keeps using node:dgram.
 * `AVCM_NATIVE_DISABLE=1` in `env` makes it unavailable on purpose (to exercise the fallback).
 *
 * The binary is found by node-gyp-build: `build/Release/avcm_udp.node` (what `npm install` or
 * `npm run native:build` compiled here) first, then `prebuilds/<platform>-<arch>/` (shipped).
 */
export function loadBatchedUdp(env: NodeJS.ProcessEnv = process.env): BatchedUdpLoad {
  if (env.AVCM_NATIVE_DISABLE === '1') return { available: false, reason: 'disabled by AVCM_NATIVE_DISABLE' };
  if (process.platform !== 'linux') {
    return { available: false, reason: `batched UDP I/O needs Linux (sendmmsg, recvmmsg, UDP GSO); this is ${process.platform}` };
  }
  let path: string;
  try {
    path = resolveNativeBinary();
  } catch {
    return {
      available: false,
      reason: `no avcm_udp binary for linux-${process.arch}: neither build/Release/avcm_udp.node nor prebuilds/linux-${process.arch}/ exists; build it with \`npm run native:build\` in the avcm package (needs python3, make and a C compiler)`,
    };
  }
  let native;
  try {
    native = requireNativeBinary(path);
  } catch (error) {
    return { available: false, reason: `the avcm_udp binary ${path} does not load: ${firstLine(error)}` };
  }
  const missing = [...COUNTERS_READ.filter((name) => !native.COUNTER_NAMES?.includes(name)), ...FLUSH_FIGURES.filter((name) => !native.FLUSH_NAMES?.includes(name))];
  if (missing.length > 0 || native.FLUSH_NAMES.length !== FLUSH_FIGURES.length) {
    return { available: false, reason: `the avcm_udp binary ${path} is from another avcm version (it lacks ${missing.join(', ') || 'the expected flush figures'}); rebuild it with \`npm run native:build\`` };
  }
  return { available: true, udp: new BatchedUdp(native, path) };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}
