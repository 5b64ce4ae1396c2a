// The DTLS-SRTP keys the native path takes must be the far end's, also when werift's DTLS sees a
// retransmitted flight late (a loaded machine: the participant's server retransmits flight 4
// while the probe's client is slow, and both copies reach the client together with flight 6);
// and a repeated HelloVerifyRequest must not fail werift's client, on the native path or on
// werift's own (dgram).
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchedEngineIo } from '../../src/engine/index.js';
import { loadBatchedUdp, type BatchedUdp, type BatchedUdpSocket } from '../../src/io/index.js';
import { NativeIceSockets, WebRtcParticipantTransport, WebRtcProbeSession } from '../../src/webrtc/index.js';
import { guardHelloVerify } from '../../src/webrtc/hello-verify-guard.js';
import { handOverMedia } from '../../src/webrtc/media-handover.js';

const EXT = { layout: 'rfc8285' as const, participantIdId: 1, absSendTimeId: 2 };
const PARTICIPANT = 7;
const SSRC = 0x1234;
const BOUND_MS = 10_000;

/** werift 0.24's DTLS objects as these tests read them (private in its typings). */
interface DtlsInternals {
  sessionType: number;
  cipher: { masterSecret?: Buffer };
  extractSessionKeys(keyLength: number, saltLength: number): { localKey: Buffer; remoteKey: Buffer };
}
type PeerInternals = { dtlsTransports: { dtls?: DtlsInternals }[] };

// RFC 6347 4.1 record header: content type (22 handshake, 20 ChangeCipherSpec), version, epoch
// (bytes 3-4), ...; byte 13 is the first handshake message's type (RFC 5246 7.4).
const HANDSHAKE = 22;
const CHANGE_CIPHER_SPEC = 20;
const FLIGHT_4_TYPES = new Set([2, 11, 12, 13, 14]); // ServerHello .. ServerHelloDone
const HELLO_VERIFY_REQUEST = 3;

/**
 * Makes the DTLS server on `sockets` send its flight 4 a second time right before its flight 6,
 * as its retransmission timer does when the client is slow: the client then reads the copy and
 * the server's Finished in one batch. Returns how many times it did.
 */
function retransmitFlight4BeforeFlight6(sockets: NativeIceSockets): { resent: number } {
  const seen = { resent: 0 };
  const flight4 = new Map<BatchedUdpSocket, Buffer[]>();
  const sendNow = sockets.sendNow.bind(sockets);
  sockets.sendNow = (socket, data, host, port) => {
    if (data[0] === HANDSHAKE && data.readUInt16BE(3) === 0 && FLIGHT_4_TYPES.has(data[13])) {
      if (data[13] === 2) flight4.set(socket, []);
      flight4.get(socket)?.push(Buffer.from(data));
    }
    const saved = flight4.get(socket);
    if (data[0] === CHANGE_CIPHER_SPEC && saved) {
      flight4.delete(socket);
      seen.resent++;
      for (const copy of saved) sendNow(socket, copy, host, port);
    }
    sendNow(socket, data, host, port);
  };
  return seen;
}

function rtp(seq: number): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = 96;
  h.writeUInt16BE(seq, 2);
  h.writeUInt32BE(SSRC, 8);
  return h;
}

describe('WebRTC DTLS under retransmissions: the native path keeps the DTLS-SRTP keys, both paths survive a repeated HelloVerifyRequest', () => {
  const load = loadBatchedUdp();
  const udp: BatchedUdp | null = load.available ? load.udp : null;
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0).reverse()) await close();
  });

  async function connectPair(): Promise<{ participant: WebRtcParticipantTransport; probe: WebRtcProbeSession; engineIo: BatchedEngineIo; native: NativeIceSockets; received: () => number }> {
    if (!udp) throw new Error(`batched UDP I/O unavailable: ${load.available ? '' : load.reason}`);
    const engineIo = new BatchedEngineIo(udp, { target: null, maxPacketBytes: 1500 });
    const native = new NativeIceSockets(engineIo);
    let received = 0;
    const probe = new WebRtcProbeSession({ videoPayloadType: 96, audioPayloadType: null, extensions: EXT, iceServers: [], loopbackOnly: true, udp, onRtp: () => received++ });
    cleanup.push(() => probe.close());
    const participant = await WebRtcParticipantTransport.create({ participantId: PARTICIPANT, video: { ssrc: SSRC, payloadType: 96 }, audio: null, extensions: EXT, iceServers: [], loopbackOnly: true, native });
    cleanup.push(() => participant.close());
    return { participant, probe, engineIo, native, received: () => received };
  }

  async function sendAndWait(t: { participant: WebRtcParticipantTransport; engineIo: BatchedEngineIo; received: () => number }, from: number, count: number): Promise<void> {
    for (let seq = from; seq < from + count; seq++) {
      t.participant.send(rtp(seq), 12, Buffer.from([seq & 0xff, 1, 2, 3]));
      t.engineIo.flush();
    }
    const deadline = Date.now() + BOUND_MS;
    while (t.received() < from + count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  it("werift's datagrams of one received batch: the promise jobs each one starts run before the next is handed over (as with dgram's one event per datagram)", async () => {
    const engineIo = new BatchedEngineIo(udp!, { target: null, maxPacketBytes: 1500 });
    const sockets = new NativeIceSockets(engineIo);
    const from = sockets.open('sender', 4);
    const to = sockets.open('receiver', 4);
    cleanup.push(() => from.close(), () => to.close());
    const events: string[] = [];
    to.onData = (data) => {
      const n = data[1];
      events.push(`start ${n}`);
      // werift's DTLS handlers await between handshake steps.
      void (async () => {
        await Promise.resolve();
        await Promise.resolve();
        events.push(`end ${n}`);
      })();
    };
    // Three DTLS records (RFC 7983: first byte 20..63) sent at once, read in one batch.
    for (let n = 0; n < 3; n++) sockets.sendNow(from.socket, Buffer.from([HANDSHAKE, n, 0, 0]), '127.0.0.1', to.address.port);
    const deadline = Date.now() + BOUND_MS;
    while (events.length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(events).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
  }, 30_000);

  it('flight 4 retransmitted into the batch carrying the Finished: the probe client keeps the master secret both ends confirmed, and its media is measured', async () => {
    const pair = await connectPair();
    const forced = retransmitFlight4BeforeFlight6(pair.native);
    const offer = await pair.participant.createOffer();
    await pair.participant.acceptAnswer(await pair.probe.answer(PARTICIPANT, offer));
    await pair.participant.connected(BOUND_MS);
    await pair.probe.connected(PARTICIPANT, BOUND_MS);
    // The condition was forced (the participant is the DTLS server: the answer says setup:active).
    expect(forced.resent).toBe(1);
    // Let the late copy's handshake jobs finish (werift awaits between its steps).
    await new Promise((r) => setTimeout(r, 200));
    const server = (pair.participant as unknown as { pc: PeerInternals }).pc.dtlsTransports[0].dtls!;
    const client = (pair.probe as unknown as { peers: Map<number, { pc: PeerInternals }> }).peers.get(PARTICIPANT)!.pc.dtlsTransports[0].dtls!;
    // The exporter of both ends still agrees: the client did not run its key exchange again.
    expect(client.extractSessionKeys(16, 14).remoteKey.equals(server.extractSessionKeys(16, 14).localKey)).toBe(true);
    await sendAndWait(pair, 0, 50);
    expect(pair.received()).toBe(50);
    expect(pair.probe.mediaPaths()).toMatchObject({ native: 1, werift: 0, broken: 0 });
  }, 60_000);

  it('a HelloVerifyRequest repeated (the server answered a retransmitted ClientHello too): both ends connect and the media is measured', async () => {
    const pair = await connectPair();
    let repeated = 0;
    const sendNow = pair.native.sendNow.bind(pair.native);
    pair.native.sendNow = (socket, data, host, port) => {
      sendNow(socket, data, host, port);
      if (data[0] === HANDSHAKE && data[13] === HELLO_VERIFY_REQUEST) {
        repeated++;
        sendNow(socket, Buffer.from(data), host, port);
      }
    };
    const offer = await pair.participant.createOffer();
    await pair.participant.acceptAnswer(await pair.probe.answer(PARTICIPANT, offer));
    await pair.participant.connected(BOUND_MS);
    await pair.probe.connected(PARTICIPANT, BOUND_MS);
    expect(repeated).toBe(1);
    // The probe's client got both; its guard kept the second from werift's DTLS.
    const probePc = (pair.probe as unknown as { peers: Map<number, { pc: never }> }).peers.get(PARTICIPANT)!.pc;
    expect(guardHelloVerify(probePc).map((g) => g.repeats)).toEqual([1]);
    await sendAndWait(pair, 0, 20);
    expect(pair.received()).toBe(20);
    expect(pair.probe.mediaPaths()).toMatchObject({ native: 1, broken: 0 });
  }, 60_000);

  it("werift's path (--io dgram): a HelloVerifyRequest repeated, both ends connect and the media is measured", async () => {
    let received = 0;
    const probe = new WebRtcProbeSession({ videoPayloadType: 96, audioPayloadType: null, extensions: EXT, iceServers: [], loopbackOnly: true, onRtp: () => received++ });
    cleanup.push(() => probe.close());
    const participant = await WebRtcParticipantTransport.create({ participantId: PARTICIPANT, video: { ssrc: SSRC, payloadType: 96 }, audio: null, extensions: EXT, iceServers: [], loopbackOnly: true });
    cleanup.push(() => participant.close());
    const offer = await participant.createOffer();
    // The participant is the DTLS server (the answer says setup:active): its werift dgram sockets send the HelloVerifyRequest twice.
    let repeated = 0;
    const pc = (participant as unknown as { pc: { iceTransports: { connection: { protocols: { transport: { send: (data: Buffer, addr: unknown) => Promise<void> } }[] } }[] } }).pc;
    for (const { transport } of pc.iceTransports[0].connection.protocols) {
      const send = transport.send.bind(transport);
      transport.send = async (data, addr) => {
        await send(data, addr);
        if (data[0] === HANDSHAKE && data[13] === HELLO_VERIFY_REQUEST) {
          repeated++;
          await send(Buffer.from(data), addr);
        }
      };
    }
    await participant.acceptAnswer(await probe.answer(PARTICIPANT, offer));
    await participant.connected(BOUND_MS);
    await probe.connected(PARTICIPANT, BOUND_MS);
    expect(repeated).toBe(1);
    const probePc = (probe as unknown as { peers: Map<number, { pc: never }> }).peers.get(PARTICIPANT)!.pc;
    expect(guardHelloVerify(probePc).map((g) => g.repeats)).toEqual([1]);
    for (let seq = 0; seq < 20; seq++) participant.send(rtp(seq), 12, Buffer.from([seq & 0xff, 1, 2, 3]));
    const deadline = Date.now() + BOUND_MS;
    while (received < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(received).toBe(20);
    expect(participant.mediaPath).toBe('werift');
    expect(probe.mediaPaths()).toMatchObject({ native: 0, werift: 1, broken: 0 });
  }, 60_000);

  it('a client master secret changed after DTLS connected: the handover still takes the keys of the connected handshake', async () => {
    const pair = await connectPair();
    const offer = await pair.participant.createOffer();
    await pair.participant.acceptAnswer(await pair.probe.answer(PARTICIPANT, offer));
    await pair.participant.connected(BOUND_MS);
    await pair.probe.connected(PARTICIPANT, BOUND_MS);
    await sendAndWait(pair, 0, 20);
    expect(pair.received()).toBe(20);
    // What werift's client does when a late flight 4 completes after its Finished: a new master
    // secret the server never learns. A handover made now must not export from it.
    const peer = (pair.probe as unknown as { peers: Map<number, { pc: PeerInternals }> }).peers.get(PARTICIPANT)!;
    peer.pc.dtlsTransports[0].dtls!.cipher.masterSecret = randomBytes(48);
    const handover = handOverMedia(peer.pc as never, udp!);
    expect(handover.reason).toBeNull();
    await sendAndWait(pair, 20, 20);
    expect(pair.received()).toBe(40);
    expect(handover.session!.counters().authFailures).toBe(0);
    expect(pair.probe.mediaPaths()).toMatchObject({ native: 1, broken: 0 });
  }, 60_000);
});
