import type { RTCPeerConnection } from 'werift';
import { SRTP_PROFILES, type BatchedUdp, type SrtpSession, type UdpEndpoint } from '../io/index.js';
import { NativeIceSocket } from './native-ice-socket.js';

/** The parts of werift 0.24's DTLS transport this seam reads (private or loosely typed in its typings). */
interface DtlsTransportInternals {
  state: string;
  /**
   * werift's own SRTP session, made with the keys exported the moment its DTLS connected (the
   * handshake both ends' Finished messages confirmed). Absent until then.
   */
  srtp?: { config?: { profile: number; keys: { localMasterKey: Buffer; localMasterSalt: Buffer; remoteMasterKey: Buffer; remoteMasterSalt: Buffer } } };
  iceTransport: { connection: { nominated?: { protocol: { transport: unknown }; remoteAddr: [string, number] }; protocols: { transport?: unknown }[] } };
  dtls?: object;
}

/**
 * Where a connected peer's media went: onto native sockets, or not (and why). `socket` sends (the
 * selected pair's); `sockets` are every native socket of the peer's ICE connection, `socket`
 * first, each unprotecting what it receives with `session`.
 */
export type MediaHandover =
  | { socket: NativeIceSocket; sockets: NativeIceSocket[]; session: SrtpSession; remote: UdpEndpoint; reason: null }
  | { socket: null; sockets: null; session: null; remote: null; reason: string };

/**
 * Moves a connected peer's media onto avcm's batched path: reads the DTLS-SRTP keys werift's
 * handshake exported when it connected (RFC 5764 4.2, with the profile the use_srtp extension
 * negotiated; the keys werift's own SRTP session uses) and makes a native SRTP session. The
 * native socket of the ICE pair werift selected sends media with it to that pair's remote
 * address from now on, and every native socket of the peer's ICE connection unprotects what it
 * receives with it. werift keeps the sockets' STUN (consent freshness) and DTLS (alerts). Call once `connectionState` is
 * `connected`. When it cannot (no native socket under the pair: a TURN relay; a profile the
 * native path does not implement; SRTP unavailable in this process), it says why and changes
 * nothing: the peer's media stays on werift's path.
 */
export function handOverMedia(pc: RTCPeerConnection, udp: BatchedUdp): MediaHandover {
  const fail = (reason: string): MediaHandover => ({ socket: null, sockets: null, session: null, remote: null, reason });
  const unavailable = udp.srtpUnavailable;
  if (unavailable !== null) return fail(`native SRTP is unavailable: ${unavailable}`);
  const dtls = pc.dtlsTransports.find((transport) => transport.state === 'connected') as unknown as DtlsTransportInternals | undefined;
  if (!dtls?.dtls) return fail('no connected DTLS transport');
  const pair = dtls.iceTransport.connection.nominated;
  if (!pair) return fail('ICE has no selected candidate pair');
  const socket = pair.protocol.transport;
  if (!(socket instanceof NativeIceSocket)) return fail('the selected ICE candidate pair is not on a native socket (a TURN relay or a TCP candidate)');
  if (socket.closed) return fail("the selected pair's socket is closed");
  const connectKeys = dtls.srtp?.config;
  if (!connectKeys) return fail('werift did not start SRTP on the connected DTLS transport');
  const profile = connectKeys.profile;
  if (profile !== SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80 && profile !== SRTP_PROFILES.AEAD_AES_128_GCM) {
    return fail(`DTLS negotiated SRTP protection profile ${profile ?? 'none'}, which the native path does not implement`);
  }
  // The keys werift exported when DTLS connected, not a fresh export now: werift 0.24's client
  // runs its key exchange again when a late retransmission of the server's flight 4 arrives
  // after its Finished (a new master secret the server never learns), so an export made later
  // can differ from the far end's keys while werift's own SRTP keeps the right ones.
  const { localMasterKey, localMasterSalt, remoteMasterKey, remoteMasterSalt } = connectKeys.keys;
  const session = udp.createSrtpSession({ profile, localKey: localMasterKey, localSalt: localMasterSalt, remoteKey: remoteMasterKey, remoteSalt: remoteMasterSalt });
  const remote = { host: pair.remoteAddr[0], port: pair.remoteAddr[1] };
  socket.beginMedia(session, remote);
  // The far end sends from and to its own selected pair, which need not be ours: werift's
  // controlling agent nominates aggressively (the first pair whose check succeeds) and its
  // controlled agent keeps the first nominated pair that succeeded on its side, so under load two
  // werift peers (or werift and an SFU) can select different pairs. Its media may then arrive on
  // another of our sockets; every one of them unprotects it, or it would silently go to werift.
  const sockets = [socket];
  for (const protocol of dtls.iceTransport.connection.protocols) {
    const other = protocol.transport;
    if (!(other instanceof NativeIceSocket) || other === socket || other.closed) continue;
    other.receiveMedia(session);
    sockets.push(other);
  }
  return { socket, sockets, session, remote, reason: null };
}
