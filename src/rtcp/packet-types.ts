/**
 * RTCP packet types (RFC 3550 12.1, RFC 4585 6.1, RFC 3611) and feedback message types (FMT),
 * plus the RFC 5761 section 4 test that tells RTCP from RTP on a multiplexed 5-tuple.
 */
export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;
/** Transport-layer feedback (RFC 4585 6.2). */
export const RTCP_RTPFB = 205;
/** Payload-specific feedback (RFC 4585 6.3). */
export const RTCP_PSFB = 206;
export const RTCP_XR = 207;

/** RTPFB FMT 1: generic NACK (RFC 4585 6.2.1). */
export const FMT_GENERIC_NACK = 1;
/** PSFB FMT 1: picture loss indication (RFC 4585 6.3.1). */
export const FMT_PLI = 1;
/** PSFB FMT 4: full intra request (RFC 5104 4.3.1). */
export const FMT_FIR = 4;
/** PSFB FMT 15: application layer feedback; REMB is the one with the "REMB" identifier. */
export const FMT_AFB = 15;

/** SDES item type CNAME (RFC 3550 6.5.1). */
export const SDES_CNAME = 1;

/**
 * RFC 5761 section 4: on a multiplexed 5-tuple, a packet whose second byte (RTP's marker + payload
 * type) is 192..223 is RTCP; RTP payload types 64..95 are never used there for that reason.
 * Also requires RTP/RTCP version 2 and at least the 4-byte common header.
 */
export function isRtcpPacket(buf: Uint8Array, length: number): boolean {
  if (length < 4 || buf[0] >> 6 !== 2) return false;
  const pt = buf[1];
  return pt >= 192 && pt <= 223;
}
