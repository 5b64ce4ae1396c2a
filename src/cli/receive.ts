import { randomInt } from 'node:crypto';
import path from 'node:path';
import type { Command } from 'commander';
import { writeAtomically } from '../../reporters/write-atomically.js';
import { AvcmError } from '../errors/index.js';
import { openProbe, ProbeReceiver, probeReportLine, type LiveStreamRow, type ProbeOptions, type RunningProbe } from '../probe/index.js';
import type { ExtensionPlan } from '../plan/types.js';
import type { UdpUrl } from '../scenario/units.js';
import type { Deps } from './deps.js';
import { parseDurationMs } from '../scenario/units.js';
import { chooseIo, ioFallbackNotice, ioRequest, type BatchedUdp, type IoPath } from '../io/index.js';
import { durationOption, httpUrlOption, integerOption, IO_OPTION_HELP, ioOption, udpListenOption } from './options.js';

/** `--jitter-buffer adaptive | off | DURATION` as the probe's playout model. */
function jitterBufferOption(value: string): { fixedDelayMs: number | null } | false {
  if (value === 'adaptive') return { fixedDelayMs: null };
  if (value === 'off') return false;
  const ms = parseDurationMs(value);
  if (ms === null || ms <= 0) throw new AvcmError('E_USAGE', `--jitter-buffer ${value}: expected adaptive, off, or a playout delay like 150ms`);
  return { fixedDelayMs: ms };
}

const TABLE_EVERY_MS = 2_000;
export { PROBE_REPORT_MARKER } from '../probe/index.js';

function fixed(value: number | null, digits: number): string {
  return value === null ? '-' : value.toFixed(digits);
}

/**
 * The live per-participant table `avcm receive` prints every 2 s: figures over the last complete
 * window, except `pkts` (received so far). `elapsedS`: seconds since the run start.
 */
export function renderStreamTable(rows: LiveStreamRow[], elapsedS: number): string {
  const header = ['participant', 'media', 'ssrc', 'pkts', 'lost %', 'jitter ms', 'delay ms', 'kbps', 'fps', 'MOS'];
  const body = rows.map((r) => [
    r.participantId === null ? '?' : String(r.participantId),
    r.rid === null ? r.media : `${r.media}/${r.rid}`,
    r.ssrc.toString(16).padStart(8, '0'),
    String(r.received),
    fixed(r.lossPercent, 2),
    fixed(r.jitterMs, 2),
    fixed(r.delayMs, 1),
    fixed(r.kbps, 0),
    r.media === 'video' ? fixed(r.fps, 1) : '-',
    fixed(r.mos, 2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return `-- ${elapsedS.toFixed(0)}s, ${rows.length} streams --\n${line(header)}\n${body.map(line).join('\n')}\n`;
}

/** `avcm receive --listen udp://HOST:PORT`: the probe alone, measuring whatever arrives. */
export function registerReceive(program: Command, deps: Deps, setExit: (code: number) => void): void {
  program
    .command('receive')
    .description('run the probe only: measure loss, jitter, delay, bitrate, frame rate and MOS of the RTP that arrives')
    .option('--listen <url>', 'udp://HOST:PORT to listen on (port 0 = an ephemeral port, printed)', udpListenOption, { host: '0.0.0.0', port: 5002 })
    .option('--duration <d>', 'stop after this long (default: until SIGINT/SIGTERM)', durationOption)
    .option('--json <file>', 'write the measured report (ProbeReport JSON) at the end; "-" prints it as one marked line on stdout')
    .option('--video-pt <n>', 'video payload type', integerOption(0, 127), 96)
    .option('--audio-pt <n>', 'audio payload type', integerOption(0, 127), 111)
    .option('--participant-id-ext <id>', 'RFC 8285 id of the participant-id extension', integerOption(1, 14), 1)
    .option('--abs-send-time-ext <id>', 'RFC 8285 id of the abs-send-time extension', integerOption(1, 14), 2)
    .option('--rid-ext <id>', 'RFC 8285 id of the rtp-stream-id extension (RFC 8852): a simulcast layer\'s RID', integerOption(1, 14), 10)
    .option('--legacy-extensions', "read the original platform's legacy extension layout (profile 0x0001, little-endian participant id; no delay)")
    .option('--start-at <epochMs>', 'epoch ms of the run start (window 0); default: now', integerOption(0, Number.MAX_SAFE_INTEGER))
    .option('--quiet', 'no live table')
    .option('--webrtc', 'receive WebRTC participants of a run of `avcm serve` (answers their offers through its REST API)')
    .option('--api <url>', 'with --webrtc: the avcm serve base URL, e.g. http://127.0.0.1:8080', httpUrlOption)
    .option('--test <id>', 'with --webrtc: the test id (POST /api/v1/test/create)')
    .option('--count <n>', 'with --webrtc: how many participants to receive', integerOption(1, 10_000))
    .option('--first-id <n>', 'with --webrtc: the first participant id', integerOption(0, 4_000_000_000), 1001)
    .option('--no-feedback', 'send no RTCP at all (no receiver reports, NACKs or PLIs): an open-loop probe')
    .option('--no-nack', 'do not NACK missing video packets')
    .option('--no-pli', 'do not ask for keyframes when video cannot be decoded')
    .option('--jitter-buffer <mode>', 'playout model: adaptive, off, or a fixed delay like 150ms', jitterBufferOption, { fixedDelayMs: null })
    .option('--rtx-pt <n>', 'payload type of RTX retransmissions (RFC 4588)', integerOption(0, 127), 97)
    .option('--token <token>', 'with --webrtc: bearer token of the server (default: AVCM_TOKEN)')
    .option('--io <path>', IO_OPTION_HELP, ioOption)
    .option('--shards <n>', 'worker threads to receive on, each an SO_REUSEPORT socket on the port (batched I/O; for more traffic than one core measures)', integerOption(1, 16), 1)
    .action(async (options: { listen: UdpUrl; duration?: number; json?: string; videoPt: number; audioPt: number; participantIdExt: number; absSendTimeExt: number; ridExt: number; legacyExtensions?: boolean; quiet?: boolean; startAt?: number; webrtc?: boolean; api?: string; test?: string; count?: number; firstId: number; token?: string; feedback: boolean; nack: boolean; pli: boolean; jitterBuffer: { fixedDelayMs: number | null } | false; rtxPt: number; io?: IoPath; shards: number }) => {
      if (options.webrtc && (!options.api || !options.test || !options.count)) {
        throw new AvcmError('E_USAGE', '--webrtc needs --api URL, --test ID and --count N');
      }
      const probeOptions: ProbeOptions & { videoPayloadType: number; audioPayloadType: number } = {
        listen: options.listen,
        videoPayloadType: options.videoPt,
        audioPayloadType: options.audioPt,
        extensions: { layout: options.legacyExtensions ? ('legacy' as const) : ('rfc8285' as const), participantIdId: options.participantIdExt, absSendTimeId: options.absSendTimeExt, ridId: options.ridExt },
        expectedDurationMs: options.duration,
        // Like a browser by default: receiver reports, NACK, PLI, a playout model.
        viewer: { nack: options.feedback && options.nack, pli: options.feedback && options.pli, jitterBuffer: options.jitterBuffer },
        rtcp: options.feedback ? { ssrc: randomInt(1, 0xffff_ffff), reportIntervalMs: 1000 } : null,
        rtx: { payloadType: options.rtxPt },
      };
      // WebRTC: the same choice decides whether the sessions' media runs on the native path (werift keeps ICE and DTLS).
      const io = chooseIo(ioRequest(options.io, deps.env), deps.env);
      const notice = ioFallbackNotice(io);
      if (notice !== null) deps.stderr.write(`${notice}${options.webrtc ? '; WebRTC media on werift' : ''}\n`);
      const detached = options.webrtc ? ProbeReceiver.detached(probeOptions) : null;
      const probe: RunningProbe = detached ?? (await openProbe({ ...probeOptions, io, shards: options.shards }));
      const udp = io.path === 'batched' && io.udp.srtpUnavailable === null ? io.udp : undefined;
      if (options.webrtc && io.path === 'batched' && !udp) deps.stderr.write(`avcm: native SRTP unavailable (${io.udp.srtpUnavailable}); WebRTC media on werift\n`);
      const closeWebRtc = detached !== null ? await answerOverRest(detached, probeOptions, { api: options.api!, test: options.test!, count: options.count!, firstId: options.firstId, token: options.token ?? deps.env.AVCM_TOKEN }, deps, udp) : null;
      const startedAt = options.startAt ?? Date.now();
      probe.start(startedAt);
      deps.stderr.write(
        `avcm: probe ${options.webrtc ? `receiving ${options.count} WebRTC participants of test ${options.test}` : `listening on udp://${probe.address.host}:${probe.address.port}`}${options.duration ? ` for ${options.duration / 1000}s` : ' (Ctrl-C to stop)'}${probe.io ? `, ${probe.io} I/O` : ''}${probe.io === 'batched' && options.shards > 1 ? `, ${options.shards} shards` : ''}\n`,
      );
      // A sharded probe's shards send their rows from the first time they are asked: ask now, so the first table has them.
      if (!options.quiet) probe.liveStreams();
      const timer = setInterval(() => {
        if (!options.quiet) deps.stdout.write(renderStreamTable(probe.liveStreams(), (Date.now() - startedAt) / 1000));
      }, TABLE_EVERY_MS);
      let signal: 'SIGINT' | 'SIGTERM' | null = null;
      await new Promise<void>((resolve) => {
        const stopTimer = options.duration ? setTimeout(resolve, Math.max(0, startedAt + options.duration - Date.now())) : null;
        const unsubscribe = deps.onInterrupt((s) => {
          signal = s;
          if (stopTimer) clearTimeout(stopTimer);
          unsubscribe();
          resolve();
        });
      });
      clearInterval(timer);
      const windowCount = Math.max(1, Math.ceil((Date.now() - startedAt) / probe.windowMs));
      const report = await probe.report(windowCount);
      await closeWebRtc?.();
      await probe.close();
      const totals = report.streams.reduce((t, s) => ({ received: t.received + s.totals.received, lost: t.lost + s.totals.lost }), { received: 0, lost: 0 });
      deps.stderr.write(`avcm: ${report.streams.length} streams, ${totals.received} packets received, ${totals.lost} lost, ${report.malformedPackets} malformed, ${report.foreignPackets} foreign\n`);
      if (options.json === '-') {
        // One marked line on stdout: how a pod hands its report to the backend through its log.
        deps.stdout.write(probeReportLine(report));
      } else if (options.json) {
        await writeAtomically(path.resolve(deps.cwd, options.json), `${JSON.stringify(report, null, 2)}\n`);
      }
      // Without --duration, Ctrl-C is how a probe session ends; with one, an early signal is an interruption.
      setExit(!options.duration || signal === null ? 0 : signal === 'SIGTERM' ? 143 : 130);
    });
}

/**
 * `--webrtc`: fetches each participant's offer from `GET /api/v1/test/:id/sdp/:participant`,
 * answers it with a werift peer that feeds the probe (its media on the native path with `udp`),
 * and posts the answer back.
 */
async function answerOverRest(
  probe: ProbeReceiver,
  options: { videoPayloadType: number; audioPayloadType: number; extensions: ExtensionPlan; viewer?: ProbeOptions['viewer']; rtx?: ProbeOptions['rtx'] },
  rest: { api: string; test: string; count: number; firstId: number; token?: string },
  deps: Deps,
  udp: BatchedUdp | undefined,
): Promise<() => Promise<void>> {
  const { WebRtcProbeSession } = await import('../webrtc/index.js');
  const rtxPayloadType = options.rtx?.payloadType ?? 97;
  const session = new WebRtcProbeSession({
    videoPayloadType: options.videoPayloadType,
    audioPayloadType: options.audioPayloadType,
    extensions: options.extensions,
    rtxPayloadType,
    feedback: { nack: options.viewer?.nack ?? false, pli: options.viewer?.pli ?? false, rtxPayloadType: options.viewer?.nack ? rtxPayloadType : null },
    iceServers: [],
    loopbackOnly: /\/\/(127\.|localhost)/.test(rest.api),
    onRtxSsrcs: (pairs) => probe.registerRtx(pairs),
    sink: probe.sink,
    udp,
  });
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(rest.token ? { authorization: `Bearer ${rest.token}` } : {}) };
  const base = `${rest.api.replace(/\/$/, '')}/api/v1/test/${encodeURIComponent(rest.test)}/sdp`;
  await Promise.all(
    Array.from({ length: rest.count }, async (_, i) => {
      const participantId = rest.firstId + i;
      const offered = await fetch(`${base}/${participantId}`, { headers });
      if (!offered.ok) throw new AvcmError('E_NETWORK', `GET ${base}/${participantId}: ${offered.status} ${await offered.text()}`);
      const { sdp_offer: offer } = (await offered.json()) as { sdp_offer: string };
      const answer = await session.answer(participantId, offer);
      const posted = await fetch(`${base}/${participantId}`, { method: 'POST', headers, body: JSON.stringify({ sdp_answer: answer }) });
      if (!posted.ok) throw new AvcmError('E_NETWORK', `POST ${base}/${participantId}: ${posted.status} ${await posted.text()}`);
    }),
  );
  deps.stderr.write(`avcm: answered ${rest.count} WebRTC participants\n`);
  return () => session.close();
}
