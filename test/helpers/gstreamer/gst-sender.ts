import { GstLaunch, pipelineTokens, type GstLaunchOptions } from './gst-launch.js';
import { parsePropertyNotice, parseProblem, parseSessionStats, rememberSources, type RtpSourceStats, type SessionStats } from './gst-output.js';
import { RtcpMuxBridge, type Endpoint, type InboundSources } from './rtcp-mux-bridge.js';
import { mainSsrc, type WireCounts } from './wire-tally.js';

/** How long a pipeline may take to finish after EOS before it is killed (its figures were printed already). */
const STOP_GRACE_MS = 3000;

/** How NACKs are answered: RFC 4588 RTX on its own SSRC, the same packet again, or not at all. */
export type Retransmission = 'rtx' | 'resend' | 'off';

export interface GstSenderOptions {
  /** Where RTP and RTCP go (the probe or system under test); its RTCP must come back from there. */
  target: Endpoint;
  /** Fixed source port of the 5-tuple (default 0 = ephemeral; read `sourcePort`). */
  sourcePort?: number;
  /** Loopback address to bind (default 127.0.0.1). */
  host?: string;
  /** true/'rtx' (default): RTX on `rtxPayloadType`; 'resend': the same packet; false/'off': ignore NACKs. */
  rtx?: boolean | Retransmission;
  /** Stop by itself after this long (ms); `finished` settles then. Default: run until `stop()`. */
  durationMs?: number;
  /** x264enc key-int-max: frames between periodic IDRs (default 60). Make it large to see PLI-driven IDRs alone. */
  keyframeIntervalFrames?: number;
  bitrateKbps?: number;
  width?: number;
  height?: number;
  fps?: number;
  /** Also send Opus (audiotestsrc) on `audioPayloadType` in the same RTP session (default false). */
  audio?: boolean;
  /** Loss (0..1) by `identity drop-probability` after the session: media and RTX packets, not RTCP (default none). */
  dropProbability?: number;
  /** rtpsession's minimum interval between regular RTCP packets (ms, default 1000: an SR about every second). */
  rtcpIntervalMs?: number;
  /** rtph264pay mtu: the largest RTP packet in bytes (default 1200). */
  mtu?: number;
  videoPayloadType?: number;
  rtxPayloadType?: number;
  audioPayloadType?: number;
  cname?: string;
  /** How long to wait for gst-launch to bind its ports (ms, default 15000). */
  startTimeoutMs?: number;
  /** Extra environment and a file for the full gst-launch output (GST_DEBUG logs land there too). */
  launch?: GstLaunchOptions;
}

/** What the sender did and heard, from GStreamer (rtpsession) and from the wire (its bridge). */
export interface GstSenderStats {
  /** From the wire: video packets and frames (marker bits) sent, IDR access units, RTX packets, audio packets. */
  packetsSent: number;
  framesSent: number;
  keyframesSent: number;
  rtxSent: number;
  audioPacketsSent: number;
  /**
   * Feedback that arrived, from the wire (rtpsession 1.22 never counts a received FIR in its
   * stats, so its own counters are not used): NACK packets, PLIs, FIRs; and the sequence numbers
   * rtpsession asked rtprtxsend/rtprtxqueue to resend.
   */
  nacksReceived: number;
  plisReceived: number;
  firsReceived: number;
  retransmissionRequests: number;
  /** From the wire: report blocks (in SR or RR) arriving, about any of its SSRCs. */
  receiverReportsReceived: number;
  /** RFC 3550 round trip from the receiver's LSR/DLSR as rtpsession computed it (ms); null before a report block. */
  rttMs: number | null;
  /** From the wire: the last report block about the video, fraction (0..1) and cumulative packets lost. */
  reportedFractionLost: number | null;
  reportedPacketsLost: number | null;
  /** rtpsession's view of the video source it sends. */
  video: RtpSourceStats | null;
  wire: { in: WireCounts; out: WireCounts };
  /** Distinct sources ("host:port") of what came back: RTCP from the target alone on a proper 5-tuple; anything else is foreign and dropped. */
  inboundSources: InboundSources;
  session: SessionStats | null;
  /** gst-launch ERROR/WARNING lines. */
  problems: string[];
  /** The pipeline did not finish within a few seconds of EOS and was killed (harmless: the figures were printed before). */
  killedAfterEos: boolean;
}

export interface GstSender {
  /** The source port the target sees (RTP and RTCP). */
  readonly sourcePort: number;
  readonly pipeline: string;
  stats(): Promise<GstSenderStats>;
  /** Ends the pipeline (EOS: SR + BYE, then kill after a grace period), closes the bridge. Idempotent. */
  stop(): Promise<GstSenderStats>;
  /** Settles with the last figures once stopped (by `stop()` or after `durationMs`). */
  readonly finished: Promise<GstSenderStats>;
}

/**
 * Starts a GStreamer sender of H.264 RTP (videotestsrc ! x264enc ! rtph264pay) to `target` from
 * one fixed source port, with RTCP on the same 5-tuple: it sends SR + SDES CNAME, answers
 * generic NACK with RTX (rtprtxsend, RFC 4588) or the same packet (rtprtxqueue), and answers
 * PLI/FIR with an IDR (rtpsession pushes GstForceKeyUnit upstream; x264enc honours it).
 *
 * Pipeline:
 *   videotestsrc ! x264enc ! rtph264pay ! rtprtxsend|rtprtxqueue ! [rtpfunnel (+ Opus) !] rtpsession
 *   rtpsession.send_rtp_src [! identity drop-probability] ! udpsink -> bridge -> target
 *   rtpsession.send_rtcp_src ! udpsink -> bridge;  bridge -> udpsrc ! rtpsession.recv_rtcp_sink
 */
export async function startGstSender(options: GstSenderOptions): Promise<GstSender> {
  const videoPt = options.videoPayloadType ?? 96;
  const rtxPt = options.rtxPayloadType ?? 97;
  const audioPt = options.audioPayloadType ?? 111;
  const mode: Retransmission = options.rtx === undefined || options.rtx === true ? 'rtx' : options.rtx === false ? 'off' : options.rtx;
  const bridge = await RtcpMuxBridge.open({ host: options.host, publicPort: options.sourcePort ?? 0, peer: options.target });
  const host = bridge.host;

  const retransmitter =
    mode === 'rtx'
      ? `! rtprtxsend name=rtx payload-type-map=application/x-rtp-pt-map,${videoPt}=(uint)${rtxPt} max-size-time=2000`
      : mode === 'resend'
        ? '! rtprtxqueue name=rtx max-size-time=2000'
        : '';
  const toSession = options.audio ? '! funnel.' : '! session.send_rtp_sink';
  const audioBranch = options.audio
    ? `rtpfunnel name=funnel ! session.send_rtp_sink
       audiotestsrc is-live=true wave=sine freq=440 ! audio/x-raw,rate=48000,channels=1 ! opusenc frame-size=20 bitrate=32000 ! rtpopuspay pt=${audioPt} ! funnel.`
    : '';
  const drop = options.dropProbability ? `! identity drop-probability=${options.dropProbability}` : '';
  const tokens = pipelineTokens(`
    rtpsession name=session rtp-profile=avpf rtcp-min-interval=${(options.rtcpIntervalMs ?? 1000) * 1_000_000} sdes=application/x-rtp-source-sdes,cname=(string)${options.cname ?? 'gst-sender'}
    videotestsrc is-live=true pattern=ball ! video/x-raw,width=${options.width ?? 320},height=${options.height ?? 240},framerate=${options.fps ?? 30}/1
      ! x264enc tune=zerolatency speed-preset=ultrafast threads=1 key-int-max=${options.keyframeIntervalFrames ?? 60} bitrate=${options.bitrateKbps ?? 600}
      ! video/x-h264,profile=constrained-baseline ! rtph264pay pt=${videoPt} mtu=${options.mtu ?? 1200} config-interval=-1 aggregate-mode=zero-latency
      ${retransmitter} ${toSession}
    ${audioBranch}
    session.send_rtp_src ${drop} ! udpsink name=rtpout host=${host} port=${bridge.innerPort} sync=false async=false
    session.send_rtcp_src ! udpsink name=rtcpout host=${host} port=${bridge.innerPort} sync=false async=false
    udpsrc name=rtcpin address=${host} port=0 caps=application/x-rtcp ! session.recv_rtcp_sink
  `);

  const gst = GstLaunch.start(tokens, options.launch);
  let session: SessionStats | null = null;
  // Per SSRC, the figures from while the source was active (see rememberSources).
  const lastSeen = new Map<number, RtpSourceStats>();
  const problems: string[] = [];
  let killedAfterEos = false;
  let rtcpPort = -1;
  gst.onLine((line) => {
    const problem = parseProblem(line);
    if (problem) problems.push(problem);
    const notice = parsePropertyNotice(line);
    if (notice?.element === 'session' && notice.property === 'stats') {
      session = parseSessionStats(notice.value);
      rememberSources(lastSeen, session);
    }
    else if (notice?.element === 'rtcpin' && notice.property === 'port') rtcpPort = Number(notice.value);
  });
  try {
    await gst.waitForLine(/GstUDPSrc:rtcpin: port = \d+/, options.startTimeoutMs ?? 15_000);
  } catch (error) {
    await gst.stop(0);
    await bridge.close();
    throw error;
  }
  // Only RTCP is expected back; an RTP packet from the target would be fed to the RTCP port and ignored there.
  bridge.attachGst({ rtpPort: null, rtcpPort });

  const snapshot = (): GstSenderStats => {
    const inbound = bridge.inbound.snapshot();
    const outbound = bridge.outbound.snapshot();
    const videoSsrc = mainSsrc(outbound, videoPt);
    const sources = [...lastSeen.values()];
    const video = sources.find((s) => s.internal && s.ssrc === videoSsrc) ?? null;
    // rtpsession keeps the last report block per reporter; prefer one about the video SSRC
    const reporter = sources.find((s) => !s.internal && s.haveRb && s.rbSsrc === videoSsrc) ?? sources.find((s) => !s.internal && s.haveRb) ?? null;
    const block = videoSsrc === undefined ? undefined : inbound.reportBlocksBySource[videoSsrc];
    return {
      packetsSent: outbound.rtpByPayloadType[videoPt] ?? 0,
      framesSent: outbound.markedFramesByPayloadType[videoPt] ?? 0,
      keyframesSent: outbound.h264Idrs,
      rtxSent: mode === 'rtx' ? (outbound.rtpByPayloadType[rtxPt] ?? 0) : 0,
      audioPacketsSent: outbound.rtpByPayloadType[audioPt] ?? 0,
      nacksReceived: inbound.nacks,
      plisReceived: inbound.plis,
      firsReceived: inbound.firs,
      retransmissionRequests: session?.sentRtxRequests ?? 0,
      receiverReportsReceived: inbound.reportBlocks,
      rttMs: reporter ? (reporter.rbRoundTrip * 1000) / 65536 : null,
      reportedFractionLost: block ? block.fractionLost : null,
      reportedPacketsLost: block ? block.cumulativeLost : null,
      video,
      wire: { in: inbound, out: outbound },
      inboundSources: bridge.inboundSources(),
      session,
      problems: [...problems],
      killedAfterEos,
    };
  };

  let settle: (stats: GstSenderStats) => void = () => undefined;
  const finished = new Promise<GstSenderStats>((resolve) => (settle = resolve));
  let stopped: Promise<GstSenderStats> | null = null;
  const stop = (): Promise<GstSenderStats> =>
    (stopped ??= (async () => {
      clearTimeout(timer);
      const exit = await gst.stop(STOP_GRACE_MS);
      killedAfterEos = exit.signal === 'SIGKILL';
      await bridge.close();
      const last = snapshot();
      settle(last);
      return last;
    })());
  const timer = options.durationMs === undefined ? undefined : setTimeout(() => void stop(), options.durationMs);
  return { sourcePort: bridge.publicPort, pipeline: gst.commandLine, stats: async () => snapshot(), stop, finished };
}
