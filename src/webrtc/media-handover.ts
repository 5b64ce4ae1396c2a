import type { RTCPeerConnection } from 'werift';
import { SRTP_PROFILES, type BatchedUdp, type SrtpSession, type UdpEndpoint } from '../io/index.js';
import { NativeIceSocket } from './native-ice-socket.js';

/** The parts of werift 0.24's DTLS transport this seam reads (private or loosely typed in its typings). */
interface DtlsTransportInternals {
  state: string;
  iceTransport: { connection: { nominated?: { protocol: { transport: unknown }; remoteAddr: [string, number] } } };
  dtls?: {
    srtp: { srtpProfile?: number };
    /** RFC 5764 4.2: the DTLS exporter ("EXTRACTOR-dtls_srtp"), split into our and the far end's keys by DTLS role. */
    extractSessionKeys(keyLength: number, saltLength: number): { localKey: Buffer; localSalt: Buffer; remoteKey: Buffer; remoteSalt: Buffer };
  };
}

/** Where a connected peer's media went: onto a native socket, or not (and why). */
export type MediaHandover = { socket: NativeIceSocket; session: SrtpSession; remote: UdpEndpoint; reason: null } | { socket: null; session: null; remote: null; reason: string };

/**
 * Moves a connected peer's media onto avcm's batched path: reads the DTLS-SRTP keys werift's
 * handshake exported (the profile the use_srtp extension negotiated), makes a native SRTP
 * session, and attaches it to the native socket of the ICE pair werift selected, which from now
 * on sends media to that pair's remote address and unprotects what it receives. werift keeps the
 * socket's STUN (consent freshness) and DTLS (alerts). Call once `connectionState` is
 * `connected`. When it cannot (no native socket under the pair: a TURN relay; a profile the
 * native path does not implement; SRTP unavailable in this process), it says why and changes
 * nothing: the peer's media stays on werift's path.
 */
export function handOverMedia(pc: RTCPeerConnection, udp: BatchedUdp): MediaHandover {
  const fail = (reason: string): MediaHandover => ({ socket: null, session: null, remote: null, reason });
  const unavailable = udp.srtpUnavailable;
  if (unavailable !== null) return fail(`native SRTP is unavailable: ${unavailable}`);
  const dtls = pc.dtlsTransports.find((transport) => transport.state === 'connected') as unknown as DtlsTransportInternals | undefined;
  if (!dtls?.dtls) return fail('no connected DTLS transport');
  const pair = dtls.iceTransport.connection.nominated;
  if (!pair) return fail('ICE has no selected candidate pair');
  const socket = pair.protocol.transport;
  if (!(socket instanceof NativeIceSocket)) return fail('the selected ICE candidate pair is not on a native socket (a TURN relay or a TCP candidate)');
  if (socket.closed) return fail("the selected pair's socket is closed");
  const profile = dtls.dtls.srtp.srtpProfile;
  if (profile !== SRTP_PROFILES.AES_CM_128_HMAC_SHA1_80 && profile !== SRTP_PROFILES.AEAD_AES_128_GCM) {
    return fail(`DTLS negotiated SRTP protection profile ${profile ?? 'none'}, which the native path does not implement`);
  }
  const keys = dtls.dtls.extractSessionKeys(16, profile === SRTP_PROFILES.AEAD_AES_128_GCM ? 12 : 14);
  const session = udp.createSrtpSession({ profile, ...keys });
  const remote = { host: pair.remoteAddr[0], port: pair.remoteAddr[1] };
  socket.beginMedia(session, remote);
  return { socket, session, remote, reason: null };
}
