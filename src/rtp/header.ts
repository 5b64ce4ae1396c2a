import { extensionBlockBytes, LEGACY_PROFILE, ONE_BYTE_PROFILE, type ExtensionLayout } from './extensions.js';

/** RTP version 2 with the extension bit set, no padding, no CSRCs (RFC 3550 section 5.1). */
const FIRST_BYTE_V2_X = 0x90;

/**
 * One stream's RTP header, written once and then re-stamped in place per packet: sequence
 * number, timestamp, marker and abs-send-time change; everything else (version, payload type,
 * SSRC, the participant-id extension) is fixed at construction. Allocates once per stream.
 */
export class RtpHeaderWriter {
  readonly buffer: Buffer;
  readonly length: number;
  private readonly payloadType: number;
  /** Offset of the 3 abs-send-time bytes, or -1 when the layout carries none (legacy). */
  private readonly absSendTimeOffset: number;

  constructor(options: { payloadType: number; ssrc: number; participantId: number; extensions: ExtensionLayout }) {
    const { payloadType, ssrc, participantId, extensions } = options;
    this.payloadType = payloadType & 0x7f;
    this.length = 12 + extensionBlockBytes(extensions.layout);
    this.buffer = Buffer.alloc(this.length);
    const b = this.buffer;
    b[0] = FIRST_BYTE_V2_X;
    b[1] = this.payloadType;
    b.writeUInt32BE(ssrc >>> 0, 8);
    if (extensions.layout === 'rfc8285') {
      // RFC 8285 4.2: 0xBEDE, length in 32-bit words, then elements [ID(4) | L(4) = len-1][data].
      b.writeUInt16BE(ONE_BYTE_PROFILE, 12);
      b.writeUInt16BE(3, 14);
      b[16] = (extensions.participantIdId << 4) | 3;
      b.writeUInt32BE(participantId >>> 0, 17);
      b[21] = (extensions.absSendTimeId << 4) | 2;
      this.absSendTimeOffset = 22;
      // bytes 25..27 stay 0: padding (RFC 8285 4.2 allows zero bytes between/after elements)
    } else {
      b.writeUInt16BE(LEGACY_PROFILE, 12);
      b.writeUInt16BE(1, 14);
      b.writeUInt32LE(participantId >>> 0, 16);
      this.absSendTimeOffset = -1;
    }
  }

  /** Writes the per-packet fields in place. `absSendTime24` is ignored by layouts without it. */
  stamp(sequenceNumber: number, timestamp: number, marker: boolean, absSendTime24: number): void {
    const b = this.buffer;
    b[1] = marker ? this.payloadType | 0x80 : this.payloadType;
    b[2] = (sequenceNumber >>> 8) & 0xff;
    b[3] = sequenceNumber & 0xff;
    b[4] = (timestamp >>> 24) & 0xff;
    b[5] = (timestamp >>> 16) & 0xff;
    b[6] = (timestamp >>> 8) & 0xff;
    b[7] = timestamp & 0xff;
    const at = this.absSendTimeOffset;
    if (at >= 0) {
      b[at] = (absSendTime24 >>> 16) & 0xff;
      b[at + 1] = (absSendTime24 >>> 8) & 0xff;
      b[at + 2] = absSendTime24 & 0xff;
    }
  }
}
