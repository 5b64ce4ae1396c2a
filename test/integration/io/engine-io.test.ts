import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { BatchedEngineIo } from '../../../src/engine/batched-engine-io.js';
import type { BatchedUdpTransport } from '../../../src/engine/transport-batched.js';
import { AvcmError } from '../../../src/errors/index.js';
import type { PlannedParticipant } from '../../../src/plan/types.js';
import { batchedUdp, dgramOracle, numberedPacket, settle, waitFor, type Oracle } from './helpers.js';

// The engine's batched transports: one send batch per engine that the engine flushes, participant
// sockets on their plan ports, RTCP from the target through one shared receive batch.

const udp = batchedUdp();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function oracle(): Promise<Oracle> {
  const o = await dgramOracle();
  cleanups.push(() => o.close());
  return o;
}

function participant(id: number, port = 0): PlannedParticipant {
  return { id, port } as PlannedParticipant;
}

function engineIo(targetPort: number): BatchedEngineIo {
  return new BatchedEngineIo(udp, { target: { host: '127.0.0.1', port: targetPort }, maxPacketBytes: 1500 });
}

function open(io: BatchedEngineIo, p: PlannedParticipant): BatchedUdpTransport {
  const transport = io.open(p);
  cleanups.push(() => transport.close());
  return transport;
}

/** Sends `packet` as the engine does: a 12-byte header buffer, then the payload. */
function send(transport: BatchedUdpTransport, packet: Buffer): void {
  transport.send(packet.subarray(0, 12), 12, packet.subarray(12));
}

/** A minimal RTCP receiver report (RFC 3550 6.4.2, no blocks) from `ssrc`. */
function receiverReport(ssrc: number): Buffer {
  const rr = Buffer.alloc(8);
  rr[0] = 0x80;
  rr[1] = 201;
  rr.writeUInt16BE(1, 2);
  rr.writeUInt32BE(ssrc, 4);
  return rr;
}

describe('BatchedEngineIo: the engine flushes, the kernel sends', () => {
  it("queues until flush; each participant's burst leaves from its own port, its equal-size packets as one GSO datagram", async () => {
    const o = await oracle();
    const io = engineIo(o.port);
    const a = open(io, participant(1001));
    const b = open(io, participant(1002));
    const burstA = [0, 1, 2, 3].map((i) => numberedPacket(i, 1100)).concat(numberedPacket(4, 300));
    const burstB = [10, 11, 12].map((i) => numberedPacket(i, 900));
    for (const packet of burstA) send(a, packet);
    for (const packet of burstB) send(b, packet);
    await settle();
    expect(o.received).toHaveLength(0); // nothing leaves before the engine's flush
    io.flush();
    await waitFor(() => o.received.length >= 8);
    expect(o.received.filter((r) => r.fromPort === a.socket.local.port).map((r) => r.data)).toEqual(burstA);
    expect(o.received.filter((r) => r.fromPort === b.socket.local.port).map((r) => r.data)).toEqual(burstB);
    const counters = a.socketCounters();
    expect(counters.packetsSent).toBe(5);
    // One super-datagram (4 x 1100 bytes and a shorter last one) where the kernel allows GSO; else one sendmmsg.
    if (counters.gso === 'active') expect(counters.gsoDatagrams).toBe(1);
    expect(counters.sendCalls).toBe(1);
    expect(io.sendDropped).toBe(0);
    expect(a.errors).toBe(0);
  });

  it('a full batch flushes early and keeps the order: 1500 packets pushed, all arrive after the last flush', async () => {
    const o = await oracle();
    const io = engineIo(o.port);
    const t = open(io, participant(1001));
    const packets = Array.from({ length: 1500 }, (_, i) => numberedPacket(i, 200));
    for (const [i, packet] of packets.entries()) {
      send(t, packet);
      // Stay inside the oracle's socket buffer between early flushes.
      if (i % 200 === 199) await settle(5);
    }
    await waitFor(() => o.received.length >= 1024);
    expect(o.received.length).toBe(1024); // the 1024-packet batch flushed itself; the rest waits
    io.flush();
    await waitFor(() => o.received.length >= 1500);
    expect(o.received.map((r) => r.data.readUInt32BE(0))).toEqual(packets.map((_, i) => i));
  });

  it('binds the plan port; a port in use is E_NETWORK naming the participant, with the base_port hint', async () => {
    const o = await oracle();
    const io = engineIo(o.port);
    const first = open(io, participant(1001));
    const error = (() => {
      try {
        io.open(participant(1002, first.socket.local.port));
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(AvcmError);
    expect((error as AvcmError).message).toBe(`participant 1002: source port ${first.socket.local.port} is already in use`);
    expect((error as AvcmError).hint).toMatch(/base_port/);
  });
});

describe('BatchedEngineIo: RTCP from the target', () => {
  it("reaches the participant's feedback handler with its bytes, in a view made once per batch slot; other datagrams count as foreign", async () => {
    // The target: a connected socket takes datagrams only from its peer.
    const target = dgram.createSocket('udp4');
    cleanups.push(() => target.close());
    await new Promise<void>((resolve) => target.bind(0, '127.0.0.1', resolve));
    const io = engineIo(target.address().port);
    const t = open(io, participant(1001));
    const seen: { bytes: Buffer; view: Uint8Array }[] = [];
    t.onFeedback((buf, length) => seen.push({ bytes: Buffer.from(buf.subarray(0, length)), view: buf }));
    for (const ssrc of [1, 2]) {
      target.send(receiverReport(ssrc), t.socket.local.port, '127.0.0.1');
      await waitFor(() => seen.length >= ssrc);
    }
    target.send(numberedPacket(7, 100), t.socket.local.port, '127.0.0.1'); // not RTCP
    await waitFor(() => t.foreignReceived >= 1);
    expect(seen.map((s) => s.bytes)).toEqual([receiverReport(1), receiverReport(2)]);
    // Both arrived alone, in slot 0: the same view object, no new one per datagram.
    expect(seen[1].view).toBe(seen[0].view);
    expect(t.foreignReceived).toBe(1);
  });

  it('ICMP port unreachable from a closed target is counted (transport errors), never silent', async () => {
    const closed = await dgramOracle();
    const port = closed.port;
    await closed.close();
    const io = engineIo(port);
    const t = open(io, participant(1001));
    // The first datagram draws the ICMP error; a later send or the receive side reports ECONNREFUSED.
    for (let round = 0; round < 50 && t.errors === 0; round++) {
      send(t, numberedPacket(round, 200));
      io.flush();
      await settle(10);
    }
    expect(t.errors).toBeGreaterThan(0);
    const counters = t.socketCounters();
    expect(counters.connectionRefused + counters.receiveErrors).toBeGreaterThan(0);
    expect([counters.lastSendError, counters.lastReceiveError]).toContain('ECONNREFUSED');
  });
});
