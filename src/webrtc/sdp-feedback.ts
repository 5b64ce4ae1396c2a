/**
 * What an SDP negotiated for RTCP feedback and retransmission (RFC 4585 `a=rtcp-fb`, RFC 4588
 * `video/rtx` with `apt`, RFC 5576 `a=ssrc-group:FID`), read from the text of one media section
 * kind. Small on purpose: avcm only needs to know whether to NACK, PLI and use RTX, and how RTX
 * streams map to their media streams.
 */
export interface NegotiatedFeedback {
  /** The primary codec's payload type (the first one of the section), or null without the section. */
  payloadType: number | null;
  nack: boolean;
  pli: boolean;
  fir: boolean;
  /** The RTX payload type whose `apt` is the primary codec, or null. */
  rtxPayloadType: number | null;
  /** RTX SSRC -> media SSRC, from `a=ssrc-group:FID media rtx`. */
  rtxSsrcs: Map<number, number>;
}

/** The first m= section of `kind` in `sdp`, as lines; empty when there is none. */
function mediaSection(sdp: string, kind: 'video' | 'audio'): string[] {
  const lines = sdp.split(/\r?\n/);
  const start = lines.findIndex((l) => l.startsWith(`m=${kind} `));
  if (start < 0) return [];
  let end = lines.findIndex((l, i) => i > start && l.startsWith('m='));
  if (end < 0) end = lines.length;
  return lines.slice(start, end);
}

export function negotiatedFeedback(sdp: string, kind: 'video' | 'audio'): NegotiatedFeedback {
  const section = mediaSection(sdp, kind);
  const result: NegotiatedFeedback = { payloadType: null, nack: false, pli: false, fir: false, rtxPayloadType: null, rtxSsrcs: new Map() };
  if (section.length === 0) return result;
  const formats = section[0].split(' ').slice(3).map(Number).filter((n) => Number.isInteger(n));
  result.payloadType = formats[0] ?? null;
  const primary = result.payloadType;
  const rtx = new Set<number>();
  for (const line of section) {
    const rtpmap = /^a=rtpmap:(\d+) rtx\//i.exec(line);
    if (rtpmap) rtx.add(Number(rtpmap[1]));
  }
  for (const line of section) {
    const fmtp = /^a=fmtp:(\d+) .*\bapt=(\d+)/.exec(line);
    if (fmtp && rtx.has(Number(fmtp[1])) && Number(fmtp[2]) === primary && result.rtxPayloadType === null) result.rtxPayloadType = Number(fmtp[1]);
    const fb = /^a=rtcp-fb:(\d+|\*) (\S+)(?: (\S+))?/.exec(line);
    if (fb && (fb[1] === '*' || Number(fb[1]) === primary)) {
      if (fb[2] === 'nack' && fb[3] === undefined) result.nack = true;
      else if (fb[2] === 'nack' && fb[3] === 'pli') result.pli = true;
      else if (fb[2] === 'ccm' && fb[3] === 'fir') result.fir = true;
    }
    const fid = /^a=ssrc-group:FID (\d+) (\d+)/.exec(line);
    if (fid) result.rtxSsrcs.set(Number(fid[2]) >>> 0, Number(fid[1]) >>> 0);
  }
  return result;
}
