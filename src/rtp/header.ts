import { AvcmError } from '../errors/index.js';
import { extensionBlockBytes, LEGACY_PROFILE, ONE_BYTE_PROFILE, type ExtensionLayout } from './extensions.js';

/** RTP version 2 with the extension bit set, no padding, no CSRCs (RFC 3550 section 5.1). */
const FIRST_BYTE_V2_X = 0x90;

/** What `RtpHeaderWriter` needs: every field comes from the plan (and, for `mid`, the negotiated SDP). */
export interface RtpHeaderOptions {
  payloadType: number;
  ssrc: number;
  participantId: number;
  extensions: ExtensionLayout;
  /** A simulcast layer's RID (RFC 8852 rtp-stream-id, under `extensions.ridId`): 1..16 ASCII letters or digits. */
  rid?: string | null;
  /** The media section's MID (RFC 8843, under `extensions.midId`), 1..16 ASCII bytes: WebRTC simulcast only. */
  mid?: string | null;
}

/**
 * One stream's RTP header, written once and then re-stamped in place per packet: sequence
 * number, timestamp, marker and abs-send-time change; everything else (version, payload type,
 * SSRC, the participant-id extension, a simulcast layer's RID and MID) is fixed at construction.
 * Allocates once per stream.
 */
export class RtpHeaderWriter {
  readonly buffer: Buffer;
  readonly length: number;
  readonly payloadType: number;
  /** Offset of the 3 abs-send-time bytes, or -1 when the layout carries none (legacy). */
  readonly absSendTimeOffset: number;
  /** Offset of the RID element's one-byte header (its id nibble and length), or -1 without a RID: where RTX relabels it. */
  readonly ridOffset: number;

  /**
   * Writes the fixed part of the header. `payloadType` 0..127, `ssrc` and `participantId` uint32,
   * `extensions.*Id` 1..14 (RFC 8285 one-byte form) and distinct. Throws E_SCENARIO otherwise.
   */
  constructor(options: RtpHeaderOptions) {
    const { payloadType, ssrc, participantId, extensions } = options;
    checkOptions(options);
    const rid = options.rid ? Buffer.from(options.rid, 'ascii') : null;
    const mid = options.mid ? Buffer.from(options.mid, 'ascii') : null;
    // RFC 8285 4.2 elements: participant id (1 + 4), abs-send-time (1 + 3), then RID and MID
    // (1 + length each), zero-padded to whole 32-bit words.
    const elementBytes = extensions.layout === 'rfc8285' ? 9 + (rid ? 1 + rid.length : 0) + (mid ? 1 + mid.length : 0) : 4;
    const blockBytes = extensions.layout === 'rfc8285' ? 4 + Math.ceil(elementBytes / 4) * 4 : extensionBlockBytes('legacy');
    this.payloadType = payloadType & 0x7f;
    this.length = 12 + blockBytes;
    this.buffer = Buffer.alloc(this.length);
    const b = this.buffer;
    b[0] = FIRST_BYTE_V2_X;
    b[1] = this.payloadType;
    b.writeUInt32BE(ssrc >>> 0, 8);
    let ridOffset = -1;
    if (extensions.layout === 'rfc8285') {
      // RFC 8285 4.2: 0xBEDE, length in 32-bit words, then elements [ID(4) | L(4) = len-1][data].
      b.writeUInt16BE(ONE_BYTE_PROFILE, 12);
      b.writeUInt16BE((blockBytes - 4) / 4, 14);
      b[16] = (extensions.participantIdId << 4) | 3;
      b.writeUInt32BE(participantId >>> 0, 17);
      b[21] = (extensions.absSendTimeId << 4) | 2;
      this.absSendTimeOffset = 22;
      let at = 25;
      if (rid) {
        ridOffset = at;
        b[at] = (extensions.ridId! << 4) | (rid.length - 1);
        rid.copy(b, at + 1);
        at += 1 + rid.length;
      }
      if (mid) {
        b[at] = (extensions.midId! << 4) | (mid.length - 1);
        mid.copy(b, at + 1);
      }
      // the rest stays 0: padding (RFC 8285 4.2 allows zero bytes between/after elements)
    } else {
      b.writeUInt16BE(LEGACY_PROFILE, 12);
      b.writeUInt16BE(1, 14);
      b.writeUInt32LE(participantId >>> 0, 16);
      this.absSendTimeOffset = -1;
    }
    this.ridOffset = ridOffset;
  }

  /**
   * Writes the per-packet fields into `buffer` in place (allocates nothing): `sequenceNumber` is
   * taken mod 2^16, `timestamp` (RTP clock units) mod 2^32, `absSendTime24` is the 24-bit value of
   * `absSendTimeFromMs` and is ignored by the legacy layout, which carries no send time.
   */
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

function checkOptions(options: RtpHeaderOptions): void {
  const { payloadType, extensions } = options;
  const fail = (what: string, hint: string): never => {
    throw new AvcmError('E_SCENARIO', `RTP header: ${what}`, { hint });
  };
  if (!Number.isInteger(payloadType) || payloadType < 0 || payloadType > 127) fail(`payload type ${payloadType} is not 0..127`, 'use a dynamic payload type such as 96 (video) or 111 (audio)');
  for (const key of ['ssrc', 'participantId'] as const) {
    const value = options[key];
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) fail(`${key} ${value} is not an unsigned 32-bit integer`, 'participant ids and SSRCs must be 0..4294967295');
  }
  const stamped: ['participantIdId' | 'absSendTimeId' | 'ridId' | 'midId', string][] = [
    ['participantIdId', 'participant_id'],
    ['absSendTimeId', 'abs_send_time'],
  ];
  if (options.rid) stamped.push(['ridId', 'rtp_stream_id']);
  if (options.mid) stamped.push(['midId', 'mid']);
  if (extensions.layout === 'rfc8285') {
    for (const [key, name] of stamped) {
      const id = extensions[key];
      if (id === undefined || !Number.isInteger(id) || id < 1 || id > 14) fail(`extension id ${key}=${id} is not 1..14`, `RFC 8285 one-byte extension ids are 1..14; set rtp.extensions.${name}`);
    }
    for (let i = 1; i < stamped.length; i++) {
      const clash = stamped.slice(0, i).find(([key]) => extensions[key] === extensions[stamped[i][0]]);
      if (clash) fail(`${clash[1]} and ${stamped[i][1]} share extension id ${extensions[clash[0]]}`, `give rtp.extensions.${clash[1]} and ${stamped[i][1]} different ids`);
    }
  } else if (options.rid || options.mid) {
    fail('a RID or MID needs the RFC 8285 extension layout', 'set rtp.extensions.layout: rfc8285');
  }
  for (const [value, what] of [[options.rid, 'RID'], [options.mid, 'MID']] as const) {
    // One-byte elements hold 1..16 bytes (RFC 8285 4.2); RFC 8851 RIDs are letters and digits.
    if (value && !/^[A-Za-z0-9_-]{1,16}$/.test(value)) fail(`${what} "${value}" is not 1..16 letters, digits, - or _`, 'use a short id such as h, m or l');
  }
}
