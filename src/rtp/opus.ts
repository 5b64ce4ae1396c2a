/**
 * Opus over RTP (RFC 7587): the payload is one Opus packet as the encoder made it, the clock is
 * 48 kHz whatever the coded bandwidth, and the marker bit is not used for continuous speech.
 */

/** Frame size of an Opus configuration (RFC 6716 3.1, table 2), in ms. */
function configFrameMs(config: number): number {
  if (config < 12) return [10, 20, 40, 60][config & 3]; // SILK-only
  if (config < 16) return [10, 20][config & 1]; // Hybrid
  return [2.5, 5, 10, 20][config & 3]; // CELT-only
}

/** Duration of one Opus packet from its TOC byte and frame-count code (RFC 6716 3.1-3.2), in ms; 0 if malformed. */
export function opusPacketDurationMs(packet: Uint8Array): number {
  if (packet.length < 1) return 0;
  const toc = packet[0];
  const frameMs = configFrameMs(toc >> 3);
  switch (toc & 3) {
    case 0:
      return frameMs;
    case 1:
    case 2:
      return 2 * frameMs;
    default:
      return packet.length < 2 ? 0 : (packet[1] & 0x3f) * frameMs;
  }
}
