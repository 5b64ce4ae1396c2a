import { createRequire } from 'node:module';
import { packagePath } from '../package-root.js';

/** What the addon hands back from `open`. */
export interface NativeOpenResult {
  id: number;
  family: 4 | 6;
  localPort: number;
  /** What the kernel granted (Linux reports twice the bytes asked for: its bookkeeping overhead). */
  sendBufferBytes: number;
  receiveBufferBytes: number;
  gsoState: number;
}

/** An opaque handle to a batch's native scratch memory (a napi external). */
export type NativeBatchHandle = object & { readonly __nativeBatch: unique symbol };

/** An opaque handle to a native SRTP session (a napi external, freed when collected and detached). */
export type NativeSrtpHandle = object & { readonly __nativeSrtp: unique symbol };

/**
 * The addon's functions exactly as native/*.c define them. Only src/io calls them; everything
 * else uses the wrappers, which own the typed arrays whose memory the addon reads and writes.
 */
export interface NativeUdpBinding {
  open(
    bindHost: string,
    bindPort: number,
    connectHost: string | null,
    connectPort: number,
    sendBufferBytes: number,
    receiveBufferBytes: number,
    reusePort: boolean,
    gso: boolean,
    udpChecksum: boolean,
    demux: boolean,
  ): NativeOpenResult;
  close(id: number, finalCounters: Float64Array): boolean;
  counters(id: number, out: Float64Array): boolean;
  parseAddress(host: string, out: Uint32Array): number;
  formatAddress(family: number, w0: number, w1: number, w2: number, w3: number): string;
  createSendBatch(
    capacity: number,
    slab: Buffer,
    socketIds: Uint32Array,
    offsets: Uint32Array,
    lengths: Uint32Array,
    destinationFamily: Uint8Array,
    destinationPort: Uint16Array,
    destinationAddress: Uint32Array,
    result: Float64Array,
  ): NativeBatchHandle;
  flush(batch: NativeBatchHandle, count: number): number;
  createReceiveBatch(
    capacity: number,
    slotBytes: number,
    slab: Buffer,
    lengths: Uint32Array,
    family: Uint8Array,
    address: Uint32Array,
    port: Uint16Array,
    arrivalEpochMs: Float64Array,
    truncated: Uint8Array,
    kind: Uint8Array,
  ): NativeBatchHandle;
  startReceiving(id: number, batch: NativeBatchHandle, onBatch: (count: number) => void): void;
  stopReceiving(id: number): void;
  setPeer(id: number, host: string | null, port: number): void;
  srtpCreate(profile: number, localKey: Uint8Array, localSalt: Uint8Array, remoteKey: Uint8Array, remoteSalt: Uint8Array): NativeSrtpHandle;
  /** The protected length, or minus an SRTP error code. */
  srtpProtect(session: NativeSrtpHandle, buffer: Uint8Array, length: number): number;
  /** The plain length, or minus an SRTP error code. */
  srtpUnprotect(session: NativeSrtpHandle, buffer: Uint8Array, length: number): number;
  srtpCounters(session: NativeSrtpHandle, out: Float64Array): void;
  attachSrtp(id: number, session: NativeSrtpHandle | null): void;
  readonly COUNTER_NAMES: readonly string[];
  readonly FLUSH_NAMES: readonly string[];
  readonly SRTP_COUNTER_NAMES: readonly string[];
  /** Null when SRTP can run in this process, else why not. */
  readonly SRTP_UNAVAILABLE: string | null;
}

interface NodeGypBuild {
  (dir: string): unknown;
  /** The binary node-gyp-build would load: build/Release first, then prebuilds/<platform>-<arch>. */
  resolve(dir: string): string;
}

/**
 * The one seam to node-gyp-build. Returns the binary's path, or throws when there is none for
 * this platform (node-gyp-build's message lists what it looked for).
 */
export function resolveNativeBinary(): string {
  const require = createRequire(import.meta.url);
  const nodeGypBuild = require('node-gyp-build') as NodeGypBuild;
  return nodeGypBuild.resolve(packagePath(''));
}

/** Loads the binary at `path` (throws what dlopen or the module's init threw). */
export function requireNativeBinary(path: string): NativeUdpBinding {
  return createRequire(import.meta.url)(path) as NativeUdpBinding;
}
