import type { Endpoint } from '../plan/types.js';
import type { ReturnPath } from './receiver-session.js';

/** Where a probe socket hands each datagram: the probe's pure path. */
export interface DatagramSink {
  /** The next datagram's arrival time, epoch ms: set before `ingestArrived` (a field, as a float argument would be boxed per call). */
  arrivalEpochMs: number;
  /** One datagram (see `ProbeReceiver.ingest`); `buf` may be a reused view, valid only during the call. */
  ingestArrived(buf: Uint8Array, length: number, participantId: number, returnPath: ReturnPath | null): void;
  /** A datagram longer than the receive slot arrived cut: it counts as malformed. */
  countTruncated(): void;
}

/**
 * The probe's UDP socket: node:dgram (one event per datagram) or the batched layer (recvmmsg,
 * one call per batch, kernel timestamps). Timestamps datagrams, finds their return path and
 * hands them to the probe; sends the probe's RTCP back to each source.
 */
export interface ProbeSocket {
  readonly io: 'batched' | 'dgram';
  /** The bound address (port 0 asked: the one the kernel gave). */
  readonly address: Endpoint;
  /** Epoch ms now on the clock the arrival times use, so window and deadline arithmetic compares like with like. */
  nowEpochMs(): number;
  /** Starts handing datagrams to `sink`; with `returnPaths`, each with its source's return path (else null). Called once. */
  start(sink: DatagramSink, returnPaths: boolean): void;
  /** Sends the RTCP queued since the last call (batched); called after each feedback tick. No-op for dgram. */
  flush(): void;
  /**
   * How late the probe handled datagrams behind their kernel arrival time since the last call
   * (p99, max, ms; null when none arrived), starting the next window; null where arrival times
   * are taken in JS (dgram). Called once per window.
   */
  takeReceiveLag(): { p99Ms: number | null; maxMs: number | null } | null;
  /** Datagrams the kernel dropped at this socket because its buffer was full (SO_RXQ_OVFL); null where unknown (dgram). */
  kernelDrops(): number | null;
  /** Idempotent. */
  close(): Promise<void>;
}
