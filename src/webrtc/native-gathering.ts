import type { RTCPeerConnection } from 'werift';
import type { NativeIceSocket } from './native-ice-socket.js';

/** The parts of werift 0.24's ICE Connection and StunProtocol this seam uses (private in its typings). */
interface StunProtocolInternals {
  type: string;
  transport: unknown;
  connectionMade: (useIpv4: boolean, portRange?: unknown, interfaceAddresses?: unknown) => Promise<void>;
  datagramReceived(data: Buffer, addr: [string, number]): void;
}
interface ConnectionInternals {
  ensureProtocol(protocol: StunProtocolInternals): void;
  avcmNativeGathering?: true;
}

/**
 * Makes werift gather its UDP host candidates on avcm's native sockets: each StunProtocol the
 * peer's ICE connections create gets a `NativeIceSocket` from `open` (family 4 or 6) instead of
 * werift's dgram socket, before it binds. Everything werift sends or receives on that candidate
 * (checks, consent freshness, DTLS) then goes through the batched layer, and the socket can carry
 * the media natively once DTLS is done (`handOverMedia`). TURN relay candidates keep werift's own
 * sockets. Call after the transceivers or the remote description made the ICE transports and
 * before `setLocalDescription` (which gathers); idempotent per connection.
 */
export function gatherOnNativeSockets(pc: RTCPeerConnection, open: (family: 4 | 6) => NativeIceSocket): void {
  for (const iceTransport of pc.iceTransports) {
    const connection = iceTransport.connection as unknown as ConnectionInternals;
    if (connection.avcmNativeGathering) continue;
    connection.avcmNativeGathering = true;
    const ensureProtocol = connection.ensureProtocol.bind(connection);
    // werift calls ensureProtocol(protocol) right after `new StunProtocol()` and before
    // `protocol.connectionMade(...)`, which would make its dgram socket: replace that step.
    connection.ensureProtocol = (protocol) => {
      if (protocol.type === 'stun') {
        protocol.connectionMade = async (useIpv4) => {
          const socket = open(useIpv4 ? 4 : 6);
          socket.onData = (data, addr) => protocol.datagramReceived(data, addr);
          protocol.transport = socket;
        };
      }
      ensureProtocol(protocol);
    };
  }
}
