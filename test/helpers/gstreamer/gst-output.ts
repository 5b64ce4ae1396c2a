/**
 * Reading gst-launch-1.0 -v output: property notifications ("/GstPipeline:pipeline0/GstUDPSrc:rtpin:
 * port = 40123") and the rtpsession `stats` structure they carry. Only numeric and boolean fields
 * are read; the format is GStreamer's GstStructure serialization (stable across 1.x).
 */

/** One `-v` property notification of a named element (pad notifications are not matched). */
export interface PropertyNotice {
  element: string;
  property: string;
  value: string;
}

const NOTICE = /^\/(?:[^\s/]+\/)*[^\s/:]+:([^\s/:.]+): ([a-z0-9-]+) = (.*)$/i;

/** The element name, property and value of a `-v` notification line, or null for other lines. */
export function parsePropertyNotice(line: string): PropertyNotice | null {
  const m = NOTICE.exec(line);
  return m ? { element: m[1], property: m[2], value: m[3] } : null;
}

/** One source of an rtpsession (RFC 3550 member) as its `stats` describe it. */
export interface RtpSourceStats {
  ssrc: number;
  /** True for the session's own sources (what it sends), false for the peer's. */
  internal: boolean;
  isSender: boolean;
  clockRate: number;
  packetsSent: number;
  packetsReceived: number;
  /** RFC 3550 A.3 cumulative loss of a remote source as this session counts it (before repair). */
  packetsLost: number;
  /** RFC 3550 interarrival jitter, in `clockRate` units. */
  jitter: number;
  sentPliCount: number;
  recvPliCount: number;
  sentFirCount: number;
  recvFirCount: number;
  sentNackCount: number;
  recvNackCount: number;
  /** A remote source: an SR from it was processed. */
  haveSr: boolean;
  /** A remote source: a report block from it arrived; the rb* fields are the last one, about `rbSsrc`. */
  haveRb: boolean;
  rbSsrc: number;
  /** Round trip from LSR/DLSR (RFC 3550 6.4.1), in 1/65536 s. */
  rbRoundTrip: number;
  /** Fraction lost of the report block, 0..255 (x/256). */
  rbFractionLost: number;
  rbPacketsLost: number;
  rbJitter: number;
  /** "host:port" the source's RTP / RTCP came from, when it is remote. */
  rtpFrom: string | null;
  rtcpFrom: string | null;
}

/** The whole-session part of an rtpsession's `stats`. */
export interface SessionStats {
  /** NACK feedback packets sent / received by the session. */
  sentNackCount: number;
  recvNackCount: number;
  /** Retransmission requests the session got from the jitterbuffer (each becomes a NACK entry). */
  recvRtxRequests: number;
  /** Retransmission requests it passed upstream to rtprtxsend/rtprtxqueue (one per NACKed number). */
  sentRtxRequests: number;
  sources: RtpSourceStats[];
}

/** `name=(type)value` pairs of one serialized GstStructure (after nested arrays were cut out). */
function fields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/([a-z][a-z0-9-]*)=\(([a-z0-9]+)\)("(?:[^"\\]|\\.)*"|[^,;]*)/gi)) {
    let value = m[3].trim();
    if (value.startsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    out.set(m[1], value);
  }
  return out;
}

const num = (f: Map<string, string>, key: string): number => {
  const value = Number(f.get(key));
  return Number.isFinite(value) ? value : 0;
};
const bool = (f: Map<string, string>, key: string): boolean => f.get(key) === 'true';

/**
 * Parses the value of an rtpsession `stats` notification ("application/x-rtp-session-stats,
 * rtx-drop-count=(uint)0, ..., source-stats=(GValueArray)< "...", "..." >, ..."). The per-source
 * structures are escaped strings inside the array; each is unescaped and read field by field.
 */
export function parseSessionStats(value: string): SessionStats {
  const start = value.indexOf('source-stats=(GValueArray)<');
  const end = start >= 0 ? value.indexOf('>', start) : -1;
  const arrayText = start >= 0 && end > start ? value.slice(start, end + 1) : '';
  const top = fields(start >= 0 && end > start ? value.slice(0, start) + value.slice(end + 1) : value);
  const sources: RtpSourceStats[] = [];
  for (const m of arrayText.matchAll(/"((?:[^"\\]|\\.)*)"/g)) {
    const f = fields(m[1].replace(/\\(.)/g, '$1'));
    sources.push({
      ssrc: num(f, 'ssrc'),
      internal: bool(f, 'internal'),
      isSender: bool(f, 'is-sender'),
      clockRate: num(f, 'clock-rate'),
      packetsSent: num(f, 'packets-sent'),
      packetsReceived: num(f, 'packets-received'),
      packetsLost: num(f, 'packets-lost'),
      jitter: num(f, 'jitter'),
      sentPliCount: num(f, 'sent-pli-count'),
      recvPliCount: num(f, 'recv-pli-count'),
      sentFirCount: num(f, 'sent-fir-count'),
      recvFirCount: num(f, 'recv-fir-count'),
      sentNackCount: num(f, 'sent-nack-count'),
      recvNackCount: num(f, 'recv-nack-count'),
      haveSr: bool(f, 'have-sr'),
      haveRb: bool(f, 'have-rb'),
      rbSsrc: num(f, 'rb-ssrc'),
      rbRoundTrip: num(f, 'rb-round-trip'),
      rbFractionLost: num(f, 'rb-fractionlost'),
      rbPacketsLost: num(f, 'rb-packetslost'),
      rbJitter: num(f, 'rb-jitter'),
      rtpFrom: f.get('rtp-from') ?? null,
      rtcpFrom: f.get('rtcp-from') ?? null,
    });
  }
  return {
    sentNackCount: num(top, 'sent-nack-count'),
    recvNackCount: num(top, 'recv-nack-count'),
    recvRtxRequests: num(top, 'recv-rtx-req-count'),
    sentRtxRequests: num(top, 'sent-rtx-req-count'),
    sources,
  };
}

/**
 * Folds a new stats notification into the figures kept per SSRC. rtpsession resets a remote
 * source's counters when it stops sending (RFC 3550 6.3.5 sender timeout: two report intervals
 * without RTP, a few hundred ms here) or forgets it after a BYE; the figures from while it was
 * sending are the ones wanted, so a sender turning into a non-sender, or a source losing its
 * report block, does not overwrite them.
 */
export function rememberSources(kept: Map<number, RtpSourceStats>, stats: SessionStats): void {
  for (const next of stats.sources) {
    const previous = kept.get(next.ssrc);
    if (previous && ((previous.isSender && !next.isSender) || (previous.haveRb && !next.haveRb))) continue;
    kept.set(next.ssrc, next);
  }
}

/** An "ERROR: from element ...: message" or "WARNING: ..." line of gst-launch, or null. */
export function parseProblem(line: string): string | null {
  return /^(ERROR|WARNING): /.test(line) ? line : null;
}
