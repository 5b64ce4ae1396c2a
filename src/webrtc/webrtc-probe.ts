import type { RTCPeerConnection } from 'werift';
import { AvcmError } from '../errors/index.js';
import type { BatchedUdp } from '../io/index.js';
import type { ExtensionPlan } from '../plan/types.js';
import { isRtcpPacket } from '../rtcp/index.js';
import { extensionRemap, remapExtensions, remapExtensionsInPlace } from './extension-remap.js';
import { guardHelloVerify } from './hello-verify-guard.js';
import { handOverMedia } from './media-handover.js';
import { MediaTap } from './media-tap.js';
import { NativeIceSockets, sumCounters, type NativeIceSocket, type NativeIceSocketCounters } from './native-ice-socket.js';
import { gatherOnNativeSockets } from './native-gathering.js';
import { ProbeMediaIo } from './probe-media-io.js';
import { NO_FEEDBACK, type FeedbackProfile } from './media-profile.js';
import { connectionUp, createPeer, gatheringComplete, type IceOptions } from './peer-config.js';
import { negotiatedFeedback } from './sdp-feedback.js';
import type { SessionSample } from './session-health.js';

const GATHER_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 20_000;

/** Sends RTCP back on one participant's session (the probe's receiver reports, NACKs, PLIs). */
export interface PeerReturnPath {
  send(buf: Buffer, length: number): void;
}

/**
 * Called for every RTP or RTCP packet the probe decrypts: `buf` is the whole packet (RTP header
 * with its RFC 8285 extensions, then payload; or an RTCP packet), `arrivalEpochMs` the receive
 * time in epoch milliseconds (sub-millisecond), `participantId` the participant whose session
 * carried it (useful when an SFU strips avcm's participant-id extension), `returnPath` where the
 * probe's RTCP for it goes. Feed it to `ProbeReceiver.ingest`.
 */
export type RtpSink = (buf: Buffer, arrivalEpochMs: number, participantId: number, returnPath: PeerReturnPath) => void;

/**
 * The allocation-free form of `RtpSink` (`ProbeReceiver` is one): `arrivalEpochMs` is set before
 * each `ingestArrived` (a float argument would be boxed per call); `buf` may be a reused view,
 * valid during the call only.
 */
export interface ProbeIngest {
  arrivalEpochMs: number;
  ingestArrived(buf: Uint8Array, length: number, participantId: number, returnPath: PeerReturnPath | null): void;
}

/** Where a probe session's media ran: avcm's batched path, or werift's (and why). */
export interface ProbeMediaPaths {
  /** Connected sessions whose media the native path carries (`reasons` says when werift's path still delivered some of it). */
  native: number;
  /** Connected sessions whose media runs on werift's path (with the reasons when the batched layer was there). */
  werift: number;
  /**
   * Sessions whose participant offered but which are not connected at the probe (ICE or DTLS
   * failed or is still going on this side), or whose native SRTP refused every packet (keys that
   * do not match the far end's): their media is not measured. Said in `reasons` too.
   */
  broken: number;
  reasons: string[];
}

/** What the probe side needs: the plan's payload types and extension ids, ICE settings, the sink. */
export interface WebRtcProbeOptions extends IceOptions {
  videoPayloadType: number | null;
  audioPayloadType: number | null;
  /** The payload type RTX packets are handed over under (the probe's RTX payload type; default 97). */
  rtxPayloadType?: number;
  extensions: ExtensionPlan;
  /** The feedback the probe offers and answers with (NACK, PLI/FIR, RTX). */
  feedback?: FeedbackProfile;
  /** Whether participants publish simulcast: the probe then negotiates the RID, repaired RID and MID extensions. */
  simulcast?: boolean;
  /** Where decrypted packets go (one of `sink` and `onRtp` is needed; `sink` wins). */
  sink?: ProbeIngest;
  onRtp?: RtpSink;
  /**
   * The batched layer (`chooseIo` gave it): every peer's ICE then runs on native sockets and,
   * once DTLS is up, its SRTP is unprotected natively per received batch and the probe's RTCP
   * protected natively per flush. Without it (dgram, or no addon) werift carries the media.
   */
  udp?: BatchedUdp;
  /** Called with RTX SSRC -> media SSRC pairs a remote SDP declares (a=ssrc-group:FID). */
  onRtxSsrcs?: (pairs: Map<number, number>) => void;
}

interface Peer {
  pc: RTCPeerConnection;
  tap: MediaTap;
  returnPath: PeerReturnPath;
  /** Remote extension id -> plan id, or null when the remote uses the plan's ids. */
  remap: Uint8Array | null;
  /** Remote payload type -> the plan's (0 = not media: dropped). */
  payloadTypes: Uint8Array;
  /** For the subscription's watcher: when the connection state last changed, the last packet from the far end (epoch ms). */
  stateSinceEpochMs: number;
  lastInboundEpochMs: number | null;
  /** The native socket sending this session's RTCP, once handed over; null: werift's path. */
  media: NativeIceSocket | null;
  /** Every native socket of the session once handed over (`media` first): each unprotects what it receives. */
  mediaSockets: NativeIceSocket[];
  /** Why the media stayed on werift's path (null while not connected or when native). */
  mediaReason: string | null;
  /** When the media was handed over (epoch ms; 0 before). */
  handedOverAtMs: number;
  /** Packets werift's path still delivered once the handover settled (none should: each is media the native path missed). */
  weriftAfterHandover: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * The probe's WebRTC side: one werift peer per participant (participant offers, probe answers),
 * every decrypted RTP and RTCP packet handed to `onRtp` as bytes through a `MediaTap`, so WebRTC
 * runs are measured, and fed back to, by the same pure ingest path and session stages as plain
 * RTP. RTP bytes are normalized to the plan: payload types by what the remote SDP negotiated
 * (media, and RTX to the probe's RTX payload type), avcm's extension ids by URI (an SFU may
 * renumber both); the SSRC is whatever the sender (participant or SFU) used, hence
 * `participantId` in the callback.
 */
export class WebRtcProbeSession {
  private readonly peers = new Map<number, Peer>();
  private closed = false;
  private readonly sink: ProbeIngest;
  private readonly mediaIo: ProbeMediaIo | null;
  private readonly sockets: NativeIceSockets | null;

  constructor(private readonly options: WebRtcProbeOptions) {
    this.sink = options.sink ?? adaptRtpSink(options.onRtp);
    this.mediaIo = options.udp ? new ProbeMediaIo(options.udp) : null;
    const io = this.mediaIo;
    this.sockets = io ? new NativeIceSockets(io, { afterBatch: () => io.flush() }) : null;
  }

  /** `webrtc-batched` when the peers run on the batched layer (their media once handed over), else `webrtc` (werift's). */
  get io(): 'webrtc-batched' | 'webrtc' {
    return this.sockets ? 'webrtc-batched' : 'webrtc';
  }

  /** How many connected sessions carry their media natively, how many on werift's path and why. */
  mediaPaths(): ProbeMediaPaths {
    const paths: ProbeMediaPaths = { native: 0, werift: 0, broken: 0, reasons: [] };
    const say = (reason: string): void => {
      if (!paths.reasons.includes(reason)) paths.reasons.push(reason);
    };
    for (const peer of this.peers.values()) {
      const state = peer.pc.connectionState;
      if (state !== 'connected') {
        paths.broken++;
        say(`probe sessions not connected at the end (${state}): ICE or DTLS did not complete on the probe's side`);
        continue;
      }
      const srtp = peer.media?.socket.srtpSession?.counters();
      if (srtp && srtp.rtpUnprotected + srtp.rtcpUnprotected === 0 && srtp.authFailures > 0) {
        paths.broken++;
        say("probe sessions whose every SRTP packet failed authentication (the two ends' DTLS-SRTP keys differ)");
        continue;
      }
      if (peer.media !== null) {
        paths.native++;
        // Measured all the same, but not on the path the run says: never silently.
        if (peer.weriftAfterHandover > 0) say("packets of probe sessions on the native path arrived through werift's path (on a socket the handover did not cover)");
      } else {
        paths.werift++;
        // No reason without the batched layer: werift's path was chosen, not fallen back to.
        if (peer.mediaReason !== null) say(peer.mediaReason);
      }
    }
    return paths;
  }

  /**
   * Before werift gathers (setLocalDescription): repeated DTLS HelloVerifyRequests kept from its
   * DTLS client, and its host candidates on native sockets when the probe has the batched layer.
   */
  private gather(peer: Peer, participantId: number): void {
    guardHelloVerify(peer.pc);
    const sockets = this.sockets;
    if (sockets) gatherOnNativeSockets(peer.pc, (family) => sockets.open(`probe for participant ${participantId}`, family));
  }

  /**
   * Answers participant `participantId`'s offer (the participant, or an SFU forwarding it, offers):
   * creates its peer, applies the offer and returns the answer SDP once ICE gathering finished.
   * A second call for the same id replaces that participant's peer.
   */
  async answer(participantId: number, offerSdp: string): Promise<string> {
    const peer = await this.peer(participantId);
    this.learnRemote(peer, offerSdp);
    await peer.pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    const answer = await peer.pc.createAnswer();
    this.gather(peer, participantId);
    await peer.pc.setLocalDescription(answer);
    await gatheringComplete(peer.pc, `probe for participant ${participantId}`, GATHER_TIMEOUT_MS);
    return peer.pc.localDescription!.sdp;
  }

  /**
   * Offers to receive participant `participantId`'s media (WHEP-style subscription through an SFU):
   * returns a receive-only offer with the plan's codecs and extension ids; `acceptAnswer` completes it.
   */
  async offer(participantId: number): Promise<string> {
    const peer = await this.peer(participantId);
    if (this.options.videoPayloadType !== null) peer.pc.addTransceiver('video', { direction: 'recvonly' });
    if (this.options.audioPayloadType !== null) peer.pc.addTransceiver('audio', { direction: 'recvonly' });
    const offer = await peer.pc.createOffer();
    this.gather(peer, participantId);
    await peer.pc.setLocalDescription(offer);
    await gatheringComplete(peer.pc, `probe for participant ${participantId}`, GATHER_TIMEOUT_MS);
    return peer.pc.localDescription!.sdp;
  }

  /** Applies the SFU's answer to an `offer(participantId)`. */
  async acceptAnswer(participantId: number, answerSdp: string): Promise<void> {
    const peer = this.peers.get(participantId);
    if (!peer) throw new AvcmError('E_INTERNAL', `no WebRTC probe session for participant ${participantId}: offer() must come first`);
    this.learnRemote(peer, answerSdp);
    await peer.pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
  }

  /**
   * What the remote SDP says about its packets: an SFU may renumber payload types (Janus offers
   * H.264 as 107) and extension ids; its RTX streams are named in a=ssrc-group:FID. Other payload
   * types (RED, FEC) are not media to the probe and are dropped.
   */
  private learnRemote(peer: Peer, sdp: string): void {
    peer.remap = extensionRemap(sdp, this.options.extensions);
    peer.payloadTypes.fill(0);
    const video = negotiatedFeedback(sdp, 'video');
    const audio = negotiatedFeedback(sdp, 'audio');
    if (video.payloadType !== null && this.options.videoPayloadType !== null) peer.payloadTypes[video.payloadType & 0x7f] = this.options.videoPayloadType;
    if (video.rtxPayloadType !== null && this.options.videoPayloadType !== null) peer.payloadTypes[video.rtxPayloadType & 0x7f] = this.options.rtxPayloadType ?? 97;
    if (audio.payloadType !== null && this.options.audioPayloadType !== null) peer.payloadTypes[audio.payloadType & 0x7f] = this.options.audioPayloadType;
    if (video.rtxSsrcs.size > 0) this.options.onRtxSsrcs?.(video.rtxSsrcs);
  }

  private async peer(participantId: number): Promise<Peer> {
    if (this.closed) throw new AvcmError('E_RUN', `participant ${participantId} offered after the WebRTC probe closed`);
    const pc = createPeer({ ...this.options, feedback: this.options.feedback ?? NO_FEEDBACK }, this.options);
    const tap = new MediaTap(pc);
    const peer: Peer = {
      pc,
      tap,
      returnPath: {
        send: (buf, length) => {
          const media = peer.media;
          if (media !== null) media.sendMedia(buf, length, EMPTY);
          else tap.sendRtcp(buf, length);
        },
      },
      remap: null,
      payloadTypes: new Uint8Array(128),
      stateSinceEpochMs: Date.now(),
      lastInboundEpochMs: null,
      media: null,
      mediaSockets: [],
      mediaReason: null,
      handedOverAtMs: 0,
      weriftAfterHandover: 0,
    };
    pc.connectionStateChange.subscribe((state) => {
      peer.stateSinceEpochMs = Date.now();
      if (state === 'connected') this.handOver(peer, participantId);
    });
    const sink = this.sink;
    // werift's path: media before the handover, and all of it without the batched layer.
    tap.attach(
      (rtp, arrivalEpochMs) => {
        peer.lastInboundEpochMs = arrivalEpochMs;
        if (peer.media !== null) countWeriftAfterHandover(peer, arrivalEpochMs);
        const planPayloadType = peer.payloadTypes[rtp.header.payloadType & 0x7f];
        if (planPayloadType === 0) return;
        rtp.header.payloadType = planPayloadType;
        if (peer.remap) remapExtensions(rtp.header.extensions, peer.remap);
        const bytes = rtp.serialize();
        sink.arrivalEpochMs = arrivalEpochMs;
        sink.ingestArrived(bytes, bytes.length, participantId, peer.returnPath);
      },
      (bytes, arrivalEpochMs) => {
        peer.lastInboundEpochMs = arrivalEpochMs;
        if (peer.media !== null) countWeriftAfterHandover(peer, arrivalEpochMs);
        sink.arrivalEpochMs = arrivalEpochMs;
        sink.ingestArrived(bytes, bytes.length, participantId, peer.returnPath);
      },
    );
    const previous = this.peers.get(participantId);
    this.peers.set(participantId, peer);
    if (previous) await previous.pc.close().catch(() => undefined);
    return peer;
  }

  /**
   * The session just connected: with the batched layer, its media moves onto the native socket of
   * the selected pair, whose decrypted packets are normalized in place (payload types, extension
   * ids, as werift's path does on parsed packets) and ingested; otherwise, or when the handover
   * cannot be made, werift keeps the media and `mediaPaths` says why.
   */
  private handOver(peer: Peer, participantId: number): void {
    if (!this.options.udp || peer.media !== null || this.peers.get(participantId) !== peer) return;
    const handover = handOverMedia(peer.pc, this.options.udp);
    if (handover.socket === null) {
      peer.mediaReason = handover.reason;
      return;
    }
    const sink = this.sink;
    const payloadTypes = peer.payloadTypes;
    // On whichever of the session's sockets the far end's media arrives (its selected pair may not be ours).
    for (const socket of handover.sockets) {
      socket.onMedia = (buf, length) => {
        peer.lastInboundEpochMs = socket.arrivalEpochMs;
        if (!isRtcpPacket(buf, length)) {
          const planPayloadType = payloadTypes[buf[1] & 0x7f];
          if (planPayloadType === 0) return;
          buf[1] = (buf[1] & 0x80) | planPayloadType;
          if (peer.remap) remapExtensionsInPlace(buf, length, peer.remap);
        }
        sink.arrivalEpochMs = socket.arrivalEpochMs;
        sink.ingestArrived(buf, length, participantId, peer.returnPath);
      };
    }
    peer.media = handover.socket;
    peer.mediaSockets = handover.sockets;
    peer.handedOverAtMs = Date.now();
    peer.mediaReason = null;
  }

  /** Resolves when participant `participantId`'s session is up; E_NETWORK on failure or timeout. */
  async connected(participantId: number, timeoutMs: number = CONNECT_TIMEOUT_MS): Promise<void> {
    const peer = this.peers.get(participantId);
    if (!peer) throw new AvcmError('E_INTERNAL', `no WebRTC probe session for participant ${participantId}: answer() or offer() must come first`);
    await connectionUp(peer.pc, `probe for participant ${participantId}`, timeoutMs);
  }

  /** Participant `participantId`'s session as its watcher samples it; null when there is none. */
  sample(participantId: number): SessionSample | null {
    const peer = this.peers.get(participantId);
    return peer ? { connectionState: peer.pc.connectionState, stateSinceEpochMs: peer.stateSinceEpochMs, lastInboundEpochMs: peer.lastInboundEpochMs } : null;
  }

  /**
   * What the native sockets of participant `participantId`'s session saw so far, summed (media
   * unprotected, STUN consent checks both ways, drops); null without a session or while its media
   * is not on the native path. Cheap; for checks and reports.
   */
  nativeSocketCounters(participantId: number): NativeIceSocketCounters | null {
    const peer = this.peers.get(participantId);
    return peer?.media ? sumCounters(peer.mediaSockets) : null;
  }

  /** How many participant sessions are connected right now. */
  connectedCount(): number {
    let n = 0;
    for (const { pc } of this.peers.values()) if (pc.connectionState === 'connected') n++;
    return n;
  }

  /** Closes every peer. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const peers = [...this.peers.values()];
    this.peers.clear();
    this.mediaIo?.flush();
    this.mediaIo?.close();
    await Promise.all(peers.map(({ pc }) => pc.close().catch(() => undefined)));
  }
}

/**
 * How long werift's path may still deliver a session's packets after its handover, ms: datagrams
 * read before it (werift's queue, its handshake's turn) are legitimately on its path.
 */
const HANDOVER_SETTLE_MS = 1000;

/** Counts a packet werift's path delivered for a session whose media is native, once the handover settled. */
function countWeriftAfterHandover(peer: Peer, arrivalEpochMs: number): void {
  if (arrivalEpochMs - peer.handedOverAtMs > HANDOVER_SETTLE_MS) peer.weriftAfterHandover++;
}

function adaptRtpSink(onRtp: RtpSink | undefined): ProbeIngest {
  if (!onRtp) throw new AvcmError('E_INTERNAL', 'WebRtcProbeSession needs `sink` or `onRtp`');
  return {
    arrivalEpochMs: 0,
    // The callback form keeps its buffer: hand it a copy of the (possibly reused) view.
    ingestArrived(buf, length, participantId, returnPath) {
      onRtp(Buffer.from(buf.subarray(0, length)), this.arrivalEpochMs, participantId, returnPath!);
    },
  };
}
