import { GstLaunch, pipelineTokens, type GstLaunchOptions } from './gst-launch.js';
import { parsePropertyNotice, parseProblem, parseSessionStats, rememberSources, type RtpSourceStats, type SessionStats } from './gst-output.js';
import { NackResponseClock, type NackResponseSummary } from './nack-response-clock.js';
import { RtcpMuxBridge, type Endpoint, type InboundSources } from './rtcp-mux-bridge.js';
import { mainSsrc, type WireCounts } from './wire-tally.js';

/** How long a pipeline may take to finish after EOS before it is killed (its figures were printed already). */
const STOP_GRACE_MS = 3000;

/**
 * RTCP bandwidth the receiver may use (rtpsession rtcp-fraction above 1 is bytes/s). The RFC 3550
 * default (5 % of the media rate) spaces RTCP about 0.5 s apart at these bitrates, whatever the
 * minimum interval, and NACK retries then miss their deadline; loopback has bandwidth to spare.
 */
const RTCP_BANDWIDTH_BYTES_PER_S = 200_000;

export interface GstReceiverOptions {
  /** The UDP port the participant sends RTP (and RTCP) to; 0 = ephemeral (default), read `port`. */
  port?: number;
  /** Loopback address to bind (default 127.0.0.1). */
  host?: string;
  /** The participant's source address when known (avcm: base_port + index); default: whoever sends first. Others are dropped as foreign. */
  peer?: Endpoint;
  /** Unwrap RTX (RFC 4588) packets of `rtxPayloadType` into `videoPayloadType` (default true). */
  withRtx?: boolean;
  /** Send generic NACKs for missing video packets (default true). */
  nack?: boolean;
  /** Ask for a keyframe with PLI when the H.264 chain breaks (default true). */
  pli?: boolean;
  /** Ask with FIR (RFC 5104) instead of PLI (default false; needs `pli` left on). */
  fir?: boolean;
  /** Also depayload and decode Opus on `audioPayloadType` (default false: audio packets are dropped after the session counted them). */
  audio?: boolean;
  /** Jitterbuffer latency: how long a missing packet may be waited for (ms, default 300). */
  latencyMs?: number;
  /**
   * rtpsession's minimum interval between regular RTCP packets (ms, default 100). AVPF allows one
   * early feedback packet per regular interval, so a NACK for a lost retransmission waits for the
   * next regular one: at 1000 ms most retries miss the jitterbuffer's deadline.
   */
  rtcpIntervalMs?: number;
  videoPayloadType?: number;
  rtxPayloadType?: number;
  audioPayloadType?: number;
  /** Loss (0..1) imposed by GStreamer's netsim on arriving RTP before the session sees it (default none). */
  netsimDropProbability?: number;
  /** CNAME of the receiver's RTCP (default "gst-receiver"). */
  cname?: string;
  /** How long to wait for gst-launch to bind its ports (ms, default 15000). */
  startTimeoutMs?: number;
  /** Extra environment and a file for the full gst-launch output (GST_DEBUG logs land there too). */
  launch?: GstLaunchOptions;
}

/** What the receiver saw, from GStreamer (rtpsession, decoder output) and from the wire (its bridge). */
export interface GstReceiverStats {
  /** H.264 pictures out of avdec_h264, counted by distinct timestamp (corrupt pictures are not output). */
  framesDecoded: number;
  /** Opus frames decoded, by distinct timestamp (0 unless `audio`). */
  audioFramesDecoded: number;
  /** rtpsession's view of the video source (matched by the SSRC of the video payload type on the wire), as last reported; null before it was seen. */
  video: RtpSourceStats | null;
  /** rtpsession's view of the RTX source (its own SSRC); null when none arrived. */
  rtx: RtpSourceStats | null;
  audio: RtpSourceStats | null;
  /** Video packets lost per RFC 3550 before repair, video jitter in ms (from rtpsession). */
  packetsReceived: number;
  packetsLost: number;
  jitterMs: number;
  /** The sender's SR was processed (the RR's LSR/DLSR can be filled). */
  senderReportSeen: boolean;
  /** Feedback GStreamer sent, by its own counts: NACK packets, PLIs, FIRs, retransmission requests of the jitterbuffer. */
  nacksSent: number;
  plisSent: number;
  firsSent: number;
  retransmissionRequests: number;
  /** From the wire: RTX packets arrived, sequence numbers NACKed, NACK-to-repair time. */
  rtxReceived: number;
  nackedSequenceNumbers: number;
  nackResponse: NackResponseSummary;
  /** Everything counted on the 5-tuple: `in` from the participant, `out` to it. */
  wire: { in: WireCounts; out: WireCounts };
  /** Distinct sources ("host:port") of the RTP and RTCP that arrived (one each, and the same, when the participant keeps to one 5-tuple) and of foreign datagrams dropped. */
  inboundSources: InboundSources;
  /** Where the receiver's RTCP goes: the participant's source address, learned from its packets. */
  peer: { host: string; port: number } | null;
  /** The raw last rtpsession stats (null before the first RTCP). */
  session: SessionStats | null;
  /** gst-launch ERROR/WARNING lines. */
  problems: string[];
  /** The pipeline did not finish within a few seconds of EOS and was killed (harmless: the figures were printed before). */
  killedAfterEos: boolean;
}

export interface GstReceiver {
  /** The port to send to (RTP and RTCP, rtcp-mux). */
  readonly port: number;
  readonly host: string;
  /** The exact gst-launch-1.0 command line running behind the bridge. */
  readonly pipeline: string;
  /** Figures so far (rtpsession's are as of its last RTCP packet). */
  stats(): Promise<GstReceiverStats>;
  /** Ends the pipeline (EOS, then kill after a grace period), closes the bridge, returns the last figures. Idempotent. */
  stop(): Promise<GstReceiverStats>;
}

/**
 * Starts a GStreamer receiver of one participant's H.264 (and optionally Opus) RTP on one UDP
 * port with rtcp-mux: it sends RR with report blocks, generic NACKs (jitterbuffer
 * do-retransmission), unwraps RTX (rtprtxreceive), asks for keyframes (rtph264depay
 * request-keyframe -> PLI/FIR), and decodes with avdec_h264 into a counting fakesink. Its RTCP
 * goes to the participant's source address and port, from the port the participant sends to.
 *
 * Pipeline (one RTP session; RTX, video and audio share it as they share the 5-tuple):
 *   udpsrc(RTP) [! netsim] ! rtpsession ! [rtprtxreceive !] rtpptdemux
 *     src_96  ! rtpssrcdemux ! rtpjitterbuffer ! rtph264depay ! avdec_h264 ! fakesink
 *     src_111 ! capssetter ! rtpssrcdemux ! rtpjitterbuffer ! rtpopusdepay ! opusdec ! fakesink
 *   udpsrc(RTCP) ! rtpsession.recv_rtcp_sink;  rtpsession.send_rtcp_src ! udpsink -> bridge
 * rtpptdemux and rtpssrcdemux sit where rtpbin puts them so the depayloader's keyframe request
 * carries the payload type and SSRC rtpsession needs to address a PLI.
 */
export async function startGstReceiver(options: GstReceiverOptions = {}): Promise<GstReceiver> {
  const videoPt = options.videoPayloadType ?? 96;
  const rtxPt = options.rtxPayloadType ?? 97;
  const audioPt = options.audioPayloadType ?? 111;
  const withRtx = options.withRtx ?? true;
  const nack = options.nack ?? true;
  const pli = options.pli ?? true;
  const fir = options.fir ?? false;
  const audio = options.audio ?? false;
  const nackClock = new NackResponseClock();
  const bridge = await RtcpMuxBridge.open({ host: options.host, publicPort: options.port ?? 0, peer: options.peer, mediaPayloadType: videoPt, rtxPayloadType: rtxPt, nackClock });
  const host = bridge.host;

  const videoCaps = [
    'application/x-rtp', 'media=(string)video', 'clock-rate=(int)90000', 'encoding-name=(string)H264', `payload=(int)${videoPt}`,
    // rtpsession looks at whether these fields exist, not at their values; FIR wins when both do
    ...(nack ? ['rtcp-fb-nack=(boolean)true'] : []),
    ...(pli && !fir ? ['rtcp-fb-nack-pli=(boolean)true'] : []),
    ...(pli && fir ? ['rtcp-fb-ccm-fir=(boolean)true'] : []),
  ].join(',');
  const audioCaps = ['application/x-rtp', 'media=(string)audio', 'clock-rate=(int)48000', 'encoding-name=(string)OPUS', `payload=(int)${audioPt}`].join(',');
  const ignored = [rtxPt, ...(audio ? [] : [audioPt])].map((pt) => `(int)${pt}`).join(',');
  const netsim = options.netsimDropProbability ? `! netsim drop-probability=${options.netsimDropProbability}` : '';
  const rtx = withRtx ? `! rtprtxreceive name=rtx payload-type-map=application/x-rtp-pt-map,${videoPt}=(uint)${rtxPt}` : '';
  const latencyMs = options.latencyMs ?? 300;
  const audioBranch = audio
    ? `ptdemux.src_${audioPt} ! capssetter caps=${audioCaps} replace=true ! rtpssrcdemux name=audiossrc audiossrc. ! rtpjitterbuffer name=audiojb latency=${latencyMs} ! rtpopusdepay ! opusdec ! fakesink name=audiosink sync=false silent=false`
    : '';
  const tokens = pipelineTokens(`
    rtpsession name=session rtp-profile=avpf probation=0 rtcp-min-interval=${(options.rtcpIntervalMs ?? 100) * 1_000_000} sdes=application/x-rtp-source-sdes,cname=(string)${options.cname ?? 'gst-receiver'} rtcp-fraction=${RTCP_BANDWIDTH_BYTES_PER_S}
    udpsrc name=rtpin address=${host} port=0 caps=${videoCaps} ${netsim} ! session.recv_rtp_sink
    udpsrc name=rtcpin address=${host} port=0 caps=application/x-rtcp ! session.recv_rtcp_sink
    session.send_rtcp_src ! udpsink name=rtcpout host=${host} port=${bridge.innerPort} sync=false async=false
    session.recv_rtp_src ${rtx} ! rtpptdemux name=ptdemux ignored-payload-types=<${ignored}>
    ptdemux.src_${videoPt} ! rtpssrcdemux name=videossrc videossrc. ! rtpjitterbuffer name=videojb latency=${latencyMs} do-retransmission=${nack} do-lost=true
      ! rtph264depay request-keyframe=${pli} wait-for-keyframe=true ! avdec_h264 output-corrupt=false max-threads=1 ! fakesink name=videosink sync=false silent=false
    ${audioBranch}
  `);

  const gst = GstLaunch.start(tokens, options.launch);
  // Distinct presentation times, not buffers: a repair arriving after its access unit went out makes
  // the depayloader emit that unit again and the decoder a second picture with the same time.
  const videoFrames = new Set<string>();
  const audioFrames = new Set<string>();
  let session: SessionStats | null = null;
  // Per SSRC, the figures from while the source was active (see rememberSources).
  const lastSeen = new Map<number, RtpSourceStats>();
  const problems: string[] = [];
  let killedAfterEos = false;
  const ports = new Map<string, number>();
  gst.onLine((line) => {
    const problem = parseProblem(line);
    if (problem) problems.push(problem);
    const notice = parsePropertyNotice(line);
    if (!notice) return;
    if (notice.property === 'last-message' && notice.value.startsWith('chain')) {
      const pts = / pts: ([0-9:.]+)/.exec(notice.value)?.[1] ?? notice.value;
      if (notice.element === 'videosink') videoFrames.add(pts);
      else if (notice.element === 'audiosink') audioFrames.add(pts);
    } else if (notice.property === 'stats' && notice.element === 'session') {
      session = parseSessionStats(notice.value);
      rememberSources(lastSeen, session);
    } else if (notice.property === 'port') ports.set(notice.element, Number(notice.value));
  });
  try {
    const startTimeoutMs = options.startTimeoutMs ?? 15_000;
    await Promise.all([gst.waitForLine(/GstUDPSrc:rtpin: port = \d+/, startTimeoutMs), gst.waitForLine(/GstUDPSrc:rtcpin: port = \d+/, startTimeoutMs)]);
  } catch (error) {
    await gst.stop(0);
    await bridge.close();
    throw error;
  }
  bridge.attachGst({ rtpPort: ports.get('rtpin')!, rtcpPort: ports.get('rtcpin')! });

  const snapshot = (): GstReceiverStats => {
    const inbound = bridge.inbound.snapshot();
    const outbound = bridge.outbound.snapshot();
    const sources = [...lastSeen.values()];
    const bySsrc = (pt: number): RtpSourceStats | null => {
      const ssrc = mainSsrc(inbound, pt);
      const source = ssrc === undefined ? undefined : lastSeen.get(ssrc);
      return source && !source.internal ? source : null;
    };
    const video = bySsrc(videoPt);
    const sum = (key: 'sentNackCount' | 'sentPliCount' | 'sentFirCount'): number => sources.filter((s) => !s.internal).reduce((n, s) => n + s[key], 0);
    return {
      framesDecoded: videoFrames.size,
      audioFramesDecoded: audioFrames.size,
      video,
      rtx: bySsrc(rtxPt),
      audio: bySsrc(audioPt),
      packetsReceived: video?.packetsReceived ?? 0,
      packetsLost: video?.packetsLost ?? 0,
      jitterMs: video && video.clockRate > 0 ? (video.jitter * 1000) / video.clockRate : 0,
      senderReportSeen: video?.haveSr ?? false,
      nacksSent: session?.sentNackCount ?? 0,
      plisSent: sum('sentPliCount'),
      firsSent: sum('sentFirCount'),
      retransmissionRequests: session?.recvRtxRequests ?? 0,
      rtxReceived: inbound.rtpByPayloadType[rtxPt] ?? 0,
      nackedSequenceNumbers: outbound.nackedSequenceNumbers,
      nackResponse: nackClock.summary(),
      wire: { in: inbound, out: outbound },
      inboundSources: bridge.inboundSources(),
      peer: bridge.peer(),
      session,
      problems: [...problems],
      killedAfterEos,
    };
  };

  let stopped: Promise<GstReceiverStats> | null = null;
  return {
    port: bridge.publicPort,
    host,
    pipeline: gst.commandLine,
    stats: async () => snapshot(),
    stop: () =>
      (stopped ??= (async () => {
        const exit = await gst.stop(STOP_GRACE_MS);
        killedAfterEos = exit.signal === 'SIGKILL';
        await bridge.close();
        return snapshot();
      })()),
  };
}
