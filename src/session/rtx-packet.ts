/**
 * RTX retransmission packets (RFC 4588 section 4): the original header with the RTX stream's
 * payload type, sequence number and SSRC, followed by the original sequence number (OSN) as the
 * first two payload bytes, then the original payload. The OSN is written at the end of the header
 * buffer, so the packet still leaves as `[header, payload]` with the shared payload untouched.
 */

/** Writes the RTX header (+ OSN) into `out` from the original header; returns its length (original + 2). */
export function writeRtxHeader(out: Buffer, original: Buffer, originalLength: number, rtxPayloadType: number, rtxSequenceNumber: number, rtxSsrc: number): number {
  original.copy(out, 0, 0, originalLength);
  // Keep the marker bit: the RTX packet stands for the original, marker included (RFC 4588 4).
  out[1] = (original[1] & 0x80) | (rtxPayloadType & 0x7f);
  out[2] = (rtxSequenceNumber >>> 8) & 0xff;
  out[3] = rtxSequenceNumber & 0xff;
  out.writeUInt32BE(rtxSsrc >>> 0, 8);
  out[originalLength] = original[2];
  out[originalLength + 1] = original[3];
  return originalLength + 2;
}

/**
 * Turns the RID element at `ridOffset` of an RTX header (copied from its layer's header) into a
 * repaired-rtp-stream-id element (RFC 8852 3.2): the same value under `repairedRidId`. A receiver
 * that maps SSRCs by RID (an SFU) would otherwise take the RTX SSRC for the layer itself.
 */
export function relabelRid(out: Buffer, ridOffset: number, repairedRidId: number): void {
  out[ridOffset] = (repairedRidId << 4) | (out[ridOffset] & 0x0f);
}

/**
 * Reads an RTX packet's original sequence number (the first two payload bytes at `payloadOffset`);
 * -1 when the payload is shorter than the OSN.
 */
export function readRtxOriginalSequence(buf: Uint8Array, payloadOffset: number, payloadLength: number): number {
  if (payloadLength < 2) return -1;
  return (buf[payloadOffset] << 8) | buf[payloadOffset + 1];
}
