/**
 * What went over one direction of a UDP 5-tuple, counted from the bytes alone: the independent
 * view the GStreamer oracle's figures are checked against. Its own parsing (RFC 5761 demux, RFC
 * 3550 compound RTCP, RFC 4585 feedback, RFC 6184 IDR detection); it imports nothing from avcm so
 * a bug there cannot hide here.
 */

/** RTCP packet types (RFC 3550 12.1, RFC 4585 6.1). */
const RTCP_SR = 200;
const RTCP_RR = 201;
const RTCP_SDES = 202;
const RTCP_BYE = 203;
const RTCP_RTPFB = 205;
const RTCP_PSFB = 206;
/** Feedback message types (RFC 4585 6.2.1, 6.3.1; RFC 5104 4.3.1; draft-alvestrand-rmcat-remb). */
const FMT_GENERIC_NACK = 1;
const FMT_PLI = 1;
const FMT_FIR = 4;
const FMT_REMB = 15;
const SDES_CNAME = 1;
const NAL_IDR = 5;
const NAL_STAP_A = 24;
const NAL_FU_A = 28;

/** RFC 5761 4: a second byte of 192..223 (RTP marker + PT 64..95) is RTCP. */
export function isRtcp(datagram: Uint8Array): boolean {
  return datagram.length >= 2 && datagram[1] >= 192 && datagram[1] <= 223;
}

/** The last report block seen (RFC 3550 6.4.1); `jitter` in the reported stream's clock units. */
export interface ReportBlock {
  reporterSsrc: number;
  sourceSsrc: number;
  fractionLost: number;
  cumulativeLost: number;
  highestSequence: number;
  jitter: number;
  lsr: number;
  dlsr: number;
}

/** Counts of one direction. RTCP counts are per RTCP packet inside compounds, not per datagram. */
export interface WireCounts {
  rtpPackets: number;
  rtpBytes: number;
  /** RTP packets per payload type, e.g. `{ 96: 900, 97: 31, 111: 400 }`. */
  rtpByPayloadType: Record<number, number>;
  /** Packets per SSRC per payload type, e.g. `{ 96: { 1234: 900 }, 97: { 5678: 31 } }`: more than one SSRC under a type means a restart or a stray sender. */
  packetsBySsrcByPayloadType: Record<number, Record<number, number>>;
  /** RTP timestamps with the marker bit, each newer than the last, per payload type: access units (video frames); a resent packet is not another. */
  markedFramesByPayloadType: Record<number, number>;
  /** H.264 access units (by newer timestamps, as frames) holding an IDR slice, on `h264PayloadType`. */
  h264Idrs: number;
  /** Datagrams that were RTCP (compounds). */
  rtcpDatagrams: number;
  senderReports: number;
  receiverReports: number;
  reportBlocks: number;
  sdes: number;
  byes: number;
  /** Generic NACK packets (PT 205 FMT 1) and the sequence numbers they ask for (PID + BLP bits). */
  nacks: number;
  nackedSequenceNumbers: number;
  plis: number;
  firs: number;
  rembs: number;
  otherRtcp: number;
  /** Compounds that do not start with SR or RR (RFC 3550 6.1 wants them to). */
  compoundsNotStartingWithReport: number;
  /** Compounds without an SDES CNAME (RFC 3550 6.1 wants one in each). */
  compoundsWithoutCname: number;
  /** RTCP that could not be walked (bad version or lengths). */
  malformedRtcp: number;
  cnames: string[];
  /** The last report block about each source SSRC (SR and RR alike). */
  reportBlocksBySource: Record<number, ReportBlock>;
}

function emptyCounts(): WireCounts {
  return {
    rtpPackets: 0,
    rtpBytes: 0,
    rtpByPayloadType: {},
    packetsBySsrcByPayloadType: {},
    markedFramesByPayloadType: {},
    h264Idrs: 0,
    rtcpDatagrams: 0,
    senderReports: 0,
    receiverReports: 0,
    reportBlocks: 0,
    sdes: 0,
    byes: 0,
    nacks: 0,
    nackedSequenceNumbers: 0,
    plis: 0,
    firs: 0,
    rembs: 0,
    otherRtcp: 0,
    compoundsNotStartingWithReport: 0,
    compoundsWithoutCname: 0,
    malformedRtcp: 0,
    cnames: [],
    reportBlocksBySource: {},
  };
}

/** The SSRC that carried most packets of payload type `pt`, or undefined when none did. */
export function mainSsrc(counts: WireCounts, pt: number): number | undefined {
  let best: number | undefined;
  let most = 0;
  for (const [ssrc, packets] of Object.entries(counts.packetsBySsrcByPayloadType[pt] ?? {})) {
    if (packets > most) {
      most = packets;
      best = Number(ssrc);
    }
  }
  return best;
}

/** Called for each NACKed sequence number and each retransmission seen, for response times. */
export interface NackObserver {
  nacked(mediaSsrc: number, sequenceNumber: number): void;
}

/**
 * Counts one direction. `h264PayloadType` (default 96) is where IDRs are looked for. Not a hot
 * path: test traffic only, so it may allocate.
 */
export class WireTally {
  private readonly counts = emptyCounts();
  private readonly h264PayloadType: number;
  private readonly lastMarkedTimestamp = new Map<number, number>();
  private readonly lastIdrTimestamp = new Map<number, number>();
  private readonly nackObserver: NackObserver | null;

  constructor(options: { h264PayloadType?: number; nackObserver?: NackObserver } = {}) {
    this.h264PayloadType = options.h264PayloadType ?? 96;
    this.nackObserver = options.nackObserver ?? null;
  }

  /** Accounts one datagram (RTP or RTCP, told apart per RFC 5761). */
  add(datagram: Uint8Array): void {
    if (isRtcp(datagram)) this.addRtcp(datagram);
    else this.addRtp(datagram);
  }

  /** A copy of the counts so far. */
  snapshot(): WireCounts {
    return structuredClone(this.counts);
  }

  private addRtp(b: Uint8Array): void {
    if (b.length < 12 || b[0] >> 6 !== 2) return;
    const c = this.counts;
    const pt = b[1] & 0x7f;
    const marker = (b[1] & 0x80) !== 0;
    const timestamp = ((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]) >>> 0;
    const ssrc = ((b[8] << 24) | (b[9] << 16) | (b[10] << 8) | b[11]) >>> 0;
    c.rtpPackets++;
    c.rtpBytes += b.length;
    c.rtpByPayloadType[pt] = (c.rtpByPayloadType[pt] ?? 0) + 1;
    const bySsrc = (c.packetsBySsrcByPayloadType[pt] ??= {});
    bySsrc[ssrc] = (bySsrc[ssrc] ?? 0) + 1;
    const key = pt * 0x1_0000_0000 + ssrc;
    // Only newer timestamps count: the same packet resent later (rtprtxqueue) is not another frame.
    if (marker && isNewer(timestamp, this.lastMarkedTimestamp.get(key))) {
      this.lastMarkedTimestamp.set(key, timestamp);
      c.markedFramesByPayloadType[pt] = (c.markedFramesByPayloadType[pt] ?? 0) + 1;
    }
    if (pt === this.h264PayloadType && carriesIdr(b) && isNewer(timestamp, this.lastIdrTimestamp.get(ssrc))) {
      this.lastIdrTimestamp.set(ssrc, timestamp);
      c.h264Idrs++;
    }
  }

  private addRtcp(b: Uint8Array): void {
    const c = this.counts;
    c.rtcpDatagrams++;
    let at = 0;
    let first = true;
    let sawCname = false;
    while (at + 4 <= b.length) {
      if (b[at] >> 6 !== 2) {
        c.malformedRtcp++;
        return;
      }
      const count = b[at] & 0x1f;
      const pt = b[at + 1];
      const end = at + 4 * (((b[at + 2] << 8) | b[at + 3]) + 1);
      if (end > b.length) {
        c.malformedRtcp++;
        return;
      }
      if (first && pt !== RTCP_SR && pt !== RTCP_RR) c.compoundsNotStartingWithReport++;
      first = false;
      if (pt === RTCP_SR) {
        c.senderReports++;
        this.reportBlocks(b, at + 4, at + 28, count, end);
      } else if (pt === RTCP_RR) {
        c.receiverReports++;
        this.reportBlocks(b, at + 4, at + 8, count, end);
      } else if (pt === RTCP_SDES) {
        c.sdes++;
        if (this.sdesCnames(b, at + 4, end, count)) sawCname = true;
      } else if (pt === RTCP_BYE) c.byes++;
      else if (pt === RTCP_RTPFB && count === FMT_GENERIC_NACK) this.nack(b, at, end);
      else if (pt === RTCP_PSFB && count === FMT_PLI) c.plis++;
      else if (pt === RTCP_PSFB && count === FMT_FIR) c.firs++;
      else if (pt === RTCP_PSFB && count === FMT_REMB) c.rembs++;
      else c.otherRtcp++;
      at = end;
    }
    if (!sawCname) c.compoundsWithoutCname++;
  }

  /** Report blocks (24 bytes each) start at `blocksAt`; the reporter's SSRC is at `ssrcAt`. */
  private reportBlocks(b: Uint8Array, ssrcAt: number, blocksAt: number, count: number, end: number): void {
    const c = this.counts;
    const reporterSsrc = u32(b, ssrcAt);
    for (let i = 0; i < count; i++) {
      const at = blocksAt + 24 * i;
      if (at + 24 > end) {
        c.malformedRtcp++;
        return;
      }
      c.reportBlocks++;
      const lost = (b[at + 5] << 16) | (b[at + 6] << 8) | b[at + 7];
      const sourceSsrc = u32(b, at);
      c.reportBlocksBySource[sourceSsrc] = {
        reporterSsrc,
        sourceSsrc,
        fractionLost: b[at + 4] / 256,
        cumulativeLost: lost & 0x800000 ? lost - 0x1000000 : lost, // 24-bit signed
        highestSequence: u32(b, at + 8),
        jitter: u32(b, at + 12),
        lsr: u32(b, at + 16),
        dlsr: u32(b, at + 20),
      };
    }
  }

  /** RFC 3550 6.5: chunks of SSRC + items, each chunk ended by a zero byte and padded to 32 bits. */
  private sdesCnames(b: Uint8Array, at: number, end: number, chunks: number): boolean {
    let found = false;
    for (let chunk = 0; chunk < chunks && at + 4 <= end; chunk++) {
      at += 4;
      while (at < end && b[at] !== 0) {
        const type = b[at];
        const length = b[at + 1];
        if (at + 2 + length > end) return found;
        if (type === SDES_CNAME) {
          found = true;
          const cname = Buffer.from(b.subarray(at + 2, at + 2 + length)).toString('utf8');
          if (!this.counts.cnames.includes(cname)) this.counts.cnames.push(cname);
        }
        at += 2 + length;
      }
      at = (at + 4) & ~3; // the terminating zero byte(s) up to the next 32-bit boundary
    }
    return found;
  }

  /** RFC 4585 6.2.1: after sender and media SSRC, FCI entries of PID (16) + BLP (16). */
  private nack(b: Uint8Array, at: number, end: number): void {
    const c = this.counts;
    c.nacks++;
    const mediaSsrc = u32(b, at + 8);
    for (let fci = at + 12; fci + 4 <= end; fci += 4) {
      const pid = (b[fci] << 8) | b[fci + 1];
      const blp = (b[fci + 2] << 8) | b[fci + 3];
      c.nackedSequenceNumbers++;
      this.nackObserver?.nacked(mediaSsrc, pid);
      for (let bit = 0; bit < 16; bit++) {
        if (blp & (1 << bit)) {
          c.nackedSequenceNumbers++;
          this.nackObserver?.nacked(mediaSsrc, (pid + bit + 1) & 0xffff);
        }
      }
    }
  }
}

/** RFC 3550 timestamps in serial order (RFC 1982): `timestamp` is after `last`, or there is no `last`. */
function isNewer(timestamp: number, last: number | undefined): boolean {
  if (last === undefined) return true;
  const ahead = (timestamp - last) >>> 0;
  return ahead !== 0 && ahead < 0x8000_0000;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

/** Offset of the RTP payload (after CSRCs and the extension block), or -1 when malformed. */
export function rtpPayloadOffset(b: Uint8Array): number {
  let at = 12 + (b[0] & 0x0f) * 4;
  if ((b[0] & 0x10) !== 0) {
    if (at + 4 > b.length) return -1;
    at += 4 + 4 * ((b[at + 2] << 8) | b[at + 3]);
  }
  return at <= b.length ? at : -1;
}

/** RFC 6184: a single IDR NAL unit, an STAP-A holding one, or the first FU-A fragment of one. */
function carriesIdr(b: Uint8Array): boolean {
  const at = rtpPayloadOffset(b);
  if (at < 0 || at >= b.length) return false;
  const type = b[at] & 0x1f;
  if (type === NAL_IDR) return true;
  if (type === NAL_FU_A) return at + 1 < b.length && (b[at + 1] & 0x80) !== 0 && (b[at + 1] & 0x1f) === NAL_IDR;
  if (type === NAL_STAP_A) {
    for (let unit = at + 1; unit + 2 < b.length; ) {
      const size = (b[unit] << 8) | b[unit + 1];
      if (size === 0) return false;
      if ((b[unit + 2] & 0x1f) === NAL_IDR) return true;
      unit += 2 + size;
    }
  }
  return false;
}
