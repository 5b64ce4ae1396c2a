import dgram from 'node:dgram';
import { createRng } from '../../../src/plan/index.js';
import type { Endpoint } from './rtcp-mux-bridge.js';
import { isRtcp, WireTally } from './wire-tally.js';

export interface LossyRelayOptions {
  /** Where forward traffic goes (the receiver's port); backward traffic must come from there. */
  target: Endpoint;
  /** Loopback address to bind (default 127.0.0.1). */
  host?: string;
  /** Share (percent, 0..100) of forward RTP datagrams dropped, media and RTX alike; RTCP is never dropped. */
  lossPercent?: number;
  /** Seed of the loss draws (default 1): the same seed drops the same packet indices. */
  seed?: number;
  /** Own drop rule for forward RTP (replaces `lossPercent`): `index` counts forward RTP datagrams from 0. */
  dropForward?: (datagram: Buffer, index: number) => boolean;
  /**
   * A loss burst on top of the other rule: forward RTP datagrams `fromIndex` .. `fromIndex + packets - 1`
   * (media and RTX alike, as a link outage would) are all dropped.
   */
  burst?: { fromIndex: number; packets: number };
  /** Sees every datagram (forward ones with whether they were dropped), for a test's own checks. */
  observe?: (direction: 'forward' | 'backward', datagram: Buffer, dropped: boolean) => void;
}

/** Distinct source addresses ("host:port") seen per direction and kind: one each means one 5-tuple. */
export interface SeenSources {
  /** Sources of RTP and RTCP arriving from the sender side. */
  senderRtp: string[];
  senderRtcp: string[];
  /** Sources of RTP and RTCP arriving from the target (receiver) side. */
  receiverRtp: string[];
  receiverRtcp: string[];
  /** Sources that were neither the sender (the first to send to `port`) nor the target; dropped. */
  foreign: string[];
}

export interface LossyRelay {
  /** The port the sender sends to. */
  readonly port: number;
  /** The port the relay sends to the target from (what the receiver sees as its peer). */
  readonly backPort: number;
  /** Forward datagrams as they arrived from the sender (before loss) and as delivered (after). */
  readonly offered: WireTally;
  readonly delivered: WireTally;
  /** Datagrams from the target back to the sender. */
  readonly backward: WireTally;
  droppedForward(): number;
  /** Forward RTP dropped by `burst` (included in `droppedForward`), and the wall time (epoch ms) of its first and last drop; null before it began. */
  burst(): { dropped: number; firstEpochMs: number; lastEpochMs: number } | null;
  sources(): SeenSources;
  close(): Promise<void>;
}

/**
 * A two-socket UDP relay on loopback between one sender and one receiver: the network in the
 * middle of a test. It counts RTP and RTCP by the second byte in both directions (the independent
 * check that RTCP shares the RTP 5-tuple), records every source address per kind, and drops
 * forward RTP deterministically from a seeded generator. Backward traffic goes to
 * the sender: the first source to send to `port`. Datagrams from anyone else (a stray sender on a
 * reused port of a busy machine) are dropped and listed as foreign.
 */
export async function startLossyRelay(options: LossyRelayOptions): Promise<LossyRelay> {
  const host = options.host ?? '127.0.0.1';
  const front = await bound(host);
  const back = await bound(host);
  const rng = createRng(options.seed ?? 1);
  const lossShare = (options.lossPercent ?? 0) / 100;
  const drop = options.dropForward ?? (() => lossShare > 0 && rng.next() < lossShare);
  const burstFrom = options.burst?.fromIndex ?? Infinity;
  const burstTo = burstFrom + (options.burst?.packets ?? 0);
  let burst: { dropped: number; firstEpochMs: number; lastEpochMs: number } | null = null;
  const offered = new WireTally();
  const delivered = new WireTally();
  const backward = new WireTally();
  const seen = { senderRtp: new Set<string>(), senderRtcp: new Set<string>(), receiverRtp: new Set<string>(), receiverRtcp: new Set<string>(), foreign: new Set<string>() };
  let sender: Endpoint | null = null;
  let forwardRtpIndex = 0;
  let dropped = 0;

  front.on('message', (datagram, from) => {
    if (sender === null) sender = { host: from.address, port: from.port };
    else if (sender.port !== from.port || sender.host !== from.address) {
      seen.foreign.add(`${from.address}:${from.port}`);
      return;
    }
    const rtcp = isRtcp(datagram);
    (rtcp ? seen.senderRtcp : seen.senderRtp).add(`${from.address}:${from.port}`);
    offered.add(datagram);
    if (!rtcp && forwardRtpIndex >= burstFrom && forwardRtpIndex < burstTo) {
      // The seeded rule still draws for this index, so the drops outside the burst stay the same.
      drop(datagram, forwardRtpIndex++);
      const now = Date.now();
      burst ??= { dropped: 0, firstEpochMs: now, lastEpochMs: now };
      burst.dropped++;
      burst.lastEpochMs = now;
      dropped++;
      options.observe?.('forward', datagram, true);
      return;
    }
    if (!rtcp && drop(datagram, forwardRtpIndex++)) {
      dropped++;
      options.observe?.('forward', datagram, true);
      return;
    }
    options.observe?.('forward', datagram, false);
    delivered.add(datagram);
    back.send(datagram, options.target.port, options.target.host);
  });
  back.on('message', (datagram, from) => {
    if (from.port !== options.target.port || from.address !== options.target.host) {
      seen.foreign.add(`${from.address}:${from.port}`);
      return;
    }
    (isRtcp(datagram) ? seen.receiverRtcp : seen.receiverRtp).add(`${from.address}:${from.port}`);
    backward.add(datagram);
    options.observe?.('backward', datagram, false);
    if (sender) front.send(datagram, sender.port, sender.host);
  });

  let closed = false;
  return {
    port: front.address().port,
    backPort: back.address().port,
    offered,
    delivered,
    backward,
    droppedForward: () => dropped,
    burst: () => (burst ? { ...burst } : null),
    sources: () => ({ senderRtp: [...seen.senderRtp], senderRtcp: [...seen.senderRtcp], receiverRtp: [...seen.receiverRtp], receiverRtcp: [...seen.receiverRtcp], foreign: [...seen.foreign] }),
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.all([front, back].map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}

async function bound(host: string): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 8 << 20 });
  socket.on('error', () => undefined); // ICMP unreachable from a peer that already stopped
  await new Promise<void>((resolve) => socket.bind(0, host, resolve));
  return socket;
}
