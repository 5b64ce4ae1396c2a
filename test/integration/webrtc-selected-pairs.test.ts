// The two ends of a WebRTC session may select different ICE pairs (werift's controlling agent
// nominates aggressively, its controlled agent keeps the first nominated pair that succeeded on
// its side; seen between two werift peers on a loaded machine). The far end's media then arrives
// on another of our sockets: the native path must unprotect it there too, not leave it to werift.
import { afterEach, describe, expect, it } from 'vitest';
import { BatchedEngineIo } from '../../src/engine/index.js';
import { loadBatchedUdp } from '../../src/io/index.js';
import { NativeIceSocket, NativeIceSockets, WebRtcParticipantTransport, WebRtcProbeSession } from '../../src/webrtc/index.js';
import { EXT, payloadFor, rtpHeader, VIDEO_PT } from './webrtc-round-trip.js';

const PARTICIPANT = 3001;
const SSRC = 0x30000000;
const BOUND_MS = 10_000;

const EMPTY = Buffer.alloc(0);

/** An RTCP receiver report without report blocks (RFC 3550 6.4.2): V=2, RC=0, PT=201, length 1. */
function receiverReport(ssrc: number): Buffer {
  const b = Buffer.alloc(8);
  b[0] = 0x80;
  b[1] = 201;
  b.writeUInt16BE(1, 2);
  b.writeUInt32BE(ssrc >>> 0, 4);
  return b;
}

/** werift 0.24's ICE connection as these tests read it (private in its typings). */
type PeerInternals = { iceTransports: { connection: { protocols: { transport?: unknown }[]; nominated?: { protocol: { transport: unknown } } } }[] };

/** The native sockets of a peer's ICE connection: the selected pair's, and the others. */
function socketsOf(pc: PeerInternals): { selected: NativeIceSocket; others: NativeIceSocket[] } {
  const connection = pc.iceTransports[0].connection;
  const selected = connection.nominated!.protocol.transport as NativeIceSocket;
  const others = connection.protocols.map((p) => p.transport).filter((t): t is NativeIceSocket => t instanceof NativeIceSocket && t !== selected);
  return { selected, others };
}

describe('WebRTC native path: the far end selected another candidate pair', () => {
  const load = loadBatchedUdp();
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });

  it("media and RTCP arriving on a socket of the session other than the selected pair's are unprotected natively, measured and answered", async (context) => {
    if (!load.available) throw new Error(`batched UDP I/O unavailable: ${load.reason}`);
    const udp = load.udp;
    const engineIo = new BatchedEngineIo(udp, { target: null, maxPacketBytes: 1500 });
    const native = new NativeIceSockets(engineIo);
    let received = 0;
    const probe = new WebRtcProbeSession({ videoPayloadType: VIDEO_PT, audioPayloadType: null, extensions: EXT, iceServers: [], loopbackOnly: true, udp, onRtp: () => received++ });
    cleanup.push(() => probe.close());
    const participant = await WebRtcParticipantTransport.create({ participantId: PARTICIPANT, video: { ssrc: SSRC, payloadType: VIDEO_PT }, audio: null, extensions: EXT, iceServers: [], loopbackOnly: true, native });
    cleanup.push(() => participant.close());
    await participant.acceptAnswer(await probe.answer(PARTICIPANT, await participant.createOffer()));
    await participant.connected(BOUND_MS);
    await probe.connected(PARTICIPANT, BOUND_MS);
    expect(participant.mediaPath).toBe('native');

    const ours = socketsOf((participant as unknown as { pc: PeerInternals }).pc);
    const theirs = socketsOf((probe as unknown as { peers: Map<number, { pc: PeerInternals }> }).peers.get(PARTICIPANT)!.pc);
    // One socket per host address (loopback, and the machine's own): a machine with loopback only has no second pair.
    if (ours.others.length === 0 || theirs.others.length === 0) context.skip('one host candidate per peer here: the ends cannot select different pairs');

    // The participant's media leaves from another of its sockets to another of the probe's, as
    // when the participant's selected pair is not the one the probe selected (same keys, same SRTP session).
    const session = ours.selected.socket.srtpSession!;
    const from = ours.others[0];
    const to = theirs.others[0];
    from.beginMedia(session, { host: '127.0.0.1', port: to.address.port });
    // Past the handover's settling time: werift's path delivering any of it from now on is reported.
    await new Promise((r) => setTimeout(r, 1500));
    const before = probe.nativeSocketCounters(PARTICIPANT)!.mediaReceived;
    for (let seq = 0; seq < 20; seq++) {
      const header = rtpHeader(VIDEO_PT, seq, seq * 3000, SSRC, PARTICIPANT, seq);
      from.sendMedia(header, header.length, payloadFor(SSRC, seq, 100));
      engineIo.flush();
    }
    const deadline = Date.now() + BOUND_MS;
    while (received < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(received).toBe(20);
    // All 20 came through the probe's native sockets (the other one among them), none through werift's SRTP.
    expect(to.counters().mediaReceived).toBe(20);
    expect(probe.nativeSocketCounters(PARTICIPANT)!.mediaReceived - before).toBe(20);
    expect(probe.mediaPaths()).toEqual({ native: 1, werift: 0, broken: 0, reasons: [] });

    // The other way: the probe's RTCP leaves from another of its sockets to another of the
    // participant's, and reaches the engine's feedback handler natively.
    let feedback = 0;
    participant.onFeedback(() => feedback++);
    to.beginMedia(theirs.selected.socket.srtpSession!, { host: '127.0.0.1', port: from.address.port });
    const rtcpBefore = participant.nativeSocketCounters()!.mediaReceived;
    const fromBefore = from.counters().mediaReceived;
    for (let n = 0; n < 5; n++) to.sendMedia(receiverReport(0x5eed0002), 8, EMPTY); // the probe's layer flushes on the next turn
    const rtcpDeadline = Date.now() + BOUND_MS;
    while (feedback < 5 && Date.now() < rtcpDeadline) await new Promise((r) => setTimeout(r, 20));
    expect(feedback).toBe(5);
    expect(from.counters().mediaReceived - fromBefore).toBe(5);
    expect(participant.nativeSocketCounters()!.mediaReceived - rtcpBefore).toBe(5);
    expect(participant.mediaPathReason).toBeNull();
  }, 60_000);
});
