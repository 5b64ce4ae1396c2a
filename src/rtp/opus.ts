/**
 * Opus over RTP (RFC 7587): the payload is one Opus packet as the encoder made it, the clock is
 * 48 kHz whatever the coded bandwidth, and the marker bit is not used for continuous speech.
 */

/** Frame size of an Opus configuration (RFC 6716 3.1, table 2), in ms. */
const SILK_FRAME_MS = [10, 20, 40, 60];
const HYBRID_FRAME_MS = [10, 20];
const CELT_FRAME_MS = [2.5, 5, 10, 20];
/** RFC 6716 3.2.5: no packet may hold more than 120 ms of audio. */
const MAX_PACKET_MS = 120;

function configFrameMs(config: number): number {
  if (config < 12) return SILK_FRAME_MS[config & 3];
  if (config < 16) return HYBRID_FRAME_MS[config & 1];
  return CELT_FRAME_MS[config & 3];
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
      return 2 * frameMs;
    case 2: // two frames of different sizes: the first one's length byte must be there
      return packet.length < 2 ? 0 : 2 * frameMs;
    default: {
      // code 3: a frame count byte follows; M = 0 or more than 120 ms is malformed
      if (packet.length < 2) return 0;
      const durationMs = (packet[1] & 0x3f) * frameMs;
      return durationMs > MAX_PACKET_MS ? 0 : durationMs;
    }
  }
}
