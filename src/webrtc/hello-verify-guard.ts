import type { RTCPeerConnection } from 'werift';

/** The part of werift 0.24's ICE Connection this seam uses (private in its typings): the event that hands received DTLS and SRTP up. */
interface ConnectionInternals {
  onData: { execute: (data: Buffer) => void };
  avcmHelloVerifyGuard?: HelloVerifyGuard;
}

// RFC 6347 4.1 record header (13 bytes: content type, version, epoch, sequence number, length),
// then RFC 6347 4.2.2 handshake header (12 bytes: type, length, message_seq, fragment offset and
// length); a HelloVerifyRequest's body (server_version, cookie) follows.
const DTLS_HANDSHAKE = 22;
const HELLO_VERIFY_REQUEST = 3;
const HELLO_VERIFY_BODY = 13 + 12;

/**
 * Tells a repeated DTLS HelloVerifyRequest from the first. A DTLS server answers every
 * ClientHello without a cookie with one (RFC 6347 4.2.1), so a client that retransmitted its
 * ClientHello while the server was slow (a loaded machine) gets two; werift 0.24's client throws
 * on the second once it has sent its ClientHello with the cookie, and fails the DTLS transport.
 * The repeat says nothing new: the ClientHello with that cookie is out, and werift retransmits it
 * itself until the server answers. A HelloVerifyRequest with another cookie passes (the server
 * asks for a new one; werift's client cannot follow either way).
 */
export class HelloVerifyGuard {
  /** Repeated HelloVerifyRequests kept from werift so far. */
  repeats = 0;
  /** The body (server version and cookie) of the last HelloVerifyRequest that passed. */
  private last: Buffer | null = null;

  /** Whether `data` (one datagram for werift's DTLS) is a repeat to keep from it. No allocation except for a HelloVerifyRequest. */
  isRepeat(data: Buffer): boolean {
    if (data.length <= HELLO_VERIFY_BODY || data[0] !== DTLS_HANDSHAKE || data[13] !== HELLO_VERIFY_REQUEST) return false;
    const body = data.subarray(HELLO_VERIFY_BODY);
    if (this.last !== null && this.last.equals(body)) {
      this.repeats++;
      return true;
    }
    this.last = Buffer.from(body);
    return false;
  }
}

/**
 * Keeps repeated DTLS HelloVerifyRequests (see `HelloVerifyGuard`) from werift's DTLS client on
 * every ICE transport of `pc`, whatever carries the candidate pair: avcm's native sockets,
 * werift's own dgram sockets (`--io dgram`, no addon) or a TURN relay. It sits where werift's ICE
 * connection hands received non-STUN datagrams to DTLS and SRTP, the one point all of them pass.
 * Call once the transports exist (after `createOffer`, or after `setRemoteDescription` of an
 * offer) and before ICE connects; idempotent per connection. Returns the guards (one per ICE
 * transport).
 */
export function guardHelloVerify(pc: RTCPeerConnection): HelloVerifyGuard[] {
  return pc.iceTransports.map((iceTransport) => {
    const connection = iceTransport.connection as unknown as ConnectionInternals;
    const existing = connection.avcmHelloVerifyGuard;
    if (existing) return existing;
    const guard = new HelloVerifyGuard();
    connection.avcmHelloVerifyGuard = guard;
    const execute = connection.onData.execute.bind(connection.onData);
    connection.onData.execute = (data) => {
      if (!guard.isRepeat(data)) execute(data);
    };
    return guard;
  });
}
