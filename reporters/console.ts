import type { RunResult } from '../src/result/types.js';
import type { RunProgress } from '../src/runner/types.js';
import { describeUnhealthy } from '../src/verdict/index.js';
import { limitText, worstText } from './assertion-text.js';

function fmt(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined ? '-' : value.toFixed(digits);
}

function mean(values: (number | null)[]): number | null {
  const v = values.filter((x): x is number => x !== null);
  return v.length ? v.reduce((s, x) => s + x, 0) / v.length : null;
}

/**
 * One progress line, refreshed about once a second: elapsed/duration, participants, pkt/s, active
 * spikes, and loss/jitter/MOS of the last complete probe window. On a TTY it is meant to overwrite
 * itself (no newline added); otherwise it is prefixed `progress` for line-oriented logs.
 */
export function renderProgress(p: RunProgress, tty: boolean): string {
  const m = p.measured;
  const parts = [
    `${(p.elapsedMs / 1000).toFixed(0).padStart(4)}s/${(p.durationMs / 1000).toFixed(0)}s`,
    `${p.participants} participants`,
    `${p.packetsPerSecond.toLocaleString('en-US')} pkt/s`,
    `spikes: ${p.activeSpikes.length ? p.activeSpikes.join(',') : 'none'}`,
    m ? `loss ${fmt(m.lossPercent)}%  jitter ${fmt(m.jitterMs)} ms  MOS ${fmt(m.mos)}` : 'waiting for packets',
  ];
  if (p.sendErrors > 0) parts.push(`${p.sendErrors} send errors${p.sendRefused > 0 ? ` (${p.sendRefused} refused by the target)` : ''}`);
  return tty ? parts.join('  |  ') : `progress ${parts.join(', ')}`;
}

/** Pads each column to its widest cell; numeric-looking columns are right-aligned. */
function alignRows(rows: string[][], rightAligned: readonly boolean[]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => (rightAligned[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd());
}

/**
 * The end-of-run summary, printed once: the verdict line, an aligned table of the assertions
 * (mark, name, measured, limit, samples, why it failed), then stream counts, packets, mean loss
 * on the wire (and at playout), jitter and MOS; with the feedback loop, a `viewer:` line (what the
 * probe saw and asked for) and a `senders:` line (what the senders were asked and did). `tty`
 * picks the marks: ✓/✗ on a terminal, PASS/FAIL otherwise (logs, CI).
 */
export function renderSummary(r: RunResult, options: { tty?: boolean } = {}): string {
  const pass = options.tty ? '✓' : 'PASS';
  const fail = options.tty ? '✗' : 'FAIL';
  const skip = options.tty ? '-' : 'SKIP';
  const unsure = options.tty ? '?' : 'INCONCLUSIVE';
  const lines: string[] = [];
  const verdict = { passed: 'PASSED', failed: 'FAILED', inconclusive: 'INCONCLUSIVE', error: 'ERROR', aborted: 'ABORTED' }[r.status];
  lines.push('');
  lines.push(`${r.scenario}: ${verdict}  (${r.participants} participants, ${r.partitions} partitions, ${(r.measuredDurationMs / 1000).toFixed(0)}s, seed ${r.seed}, ${r.backend}/${r.transport} -> ${r.target}${ioLabel(r.io)})`);
  if (r.errorMessage) lines.push(`  ${r.errorMessage}`);
  if (r.baselineRun) lines.push(`  compared with ${r.baselineRun.report} (${r.baselineRun.scenario}, ${r.baselineRun.startedAt}, ${r.baselineRun.status})`);
  if (r.assertions.length === 0 && r.status === 'passed' && r.streams.length === 0 && r.totals.packetsReceived === 0) {
    lines.push('  nothing reached the probe, so nothing was measured; this run has no assertions, so it passes: add some to gate on what arrives');
  }
  if (r.assertions.length > 0) {
    const rows = [
      ['', 'assertion', 'measured', 'limit', 'samples', ''],
      ...r.assertions.map((a) => [
        a.passed ? pass : a.skipped ? skip : a.inconclusive ? unsure : fail,
        a.name,
        a.measured === null ? '-' : String(a.measured),
        limitText(a),
        String(a.samples),
        a.passed ? '' : a.skipped || a.inconclusive ? a.message : [a.message, worstText(a)].filter(Boolean).join('; '),
      ]),
    ];
    for (const line of alignRows(rows, [false, false, true, false, true, false])) lines.push(`  ${line}`);
  }
  const video = r.streams.filter((s) => s.media === 'video');
  const audio = r.streams.filter((s) => s.media === 'audio');
  const residual = mean(r.streams.map((s) => s.whole.residual_loss_percent));
  lines.push(
    `  streams: ${video.length} video, ${audio.length} audio | packets: ${r.totals.packetsSent ?? '-'} sent, ${r.totals.packetsReceived} received, ${r.totals.packetsLost} lost` +
      ` | mean loss ${fmt(mean(r.streams.map((s) => s.whole.packet_loss_percent)))}%${residual === null ? '' : ` (at playout ${fmt(residual)}%)`}, jitter ${fmt(mean(r.streams.map((s) => s.whole.jitter_ms)))} ms, MOS ${fmt(mean(r.streams.map((s) => s.whole.mos)))}` +
      (video.length ? `, video ${fmt(mean(video.map((s) => s.whole.bitrate_kbps)), 0)} kbps @ ${fmt(mean(video.map((s) => s.whole.frame_rate_fps)), 1)} fps` : ''),
  );
  const viewer = viewerLine(r);
  if (viewer) lines.push(`  viewer:  ${viewer}`);
  const senders = sendersLine(r);
  if (senders) lines.push(`  senders: ${senders}`);
  for (const line of sutLines(r)) lines.push(`  ${line}`);
  const generator = healthLine(r);
  if (generator) lines.push(`  ${generator}`);
  if (r.totals.malformedPackets > 0) lines.push(`  ${r.totals.malformedPackets} malformed packets arrived at the probe`);
  const sendErrors = sendErrorsLine(r);
  if (sendErrors) lines.push(`  ${sendErrors}`);
  return `${lines.join('\n')}\n`;
}

/**
 * What was done to the system under test (each action, how long it took, its exit code or its
 * failure) and how the WebRTC sessions came back: how many were lost and rejoined on each side,
 * and the slowest. Nothing without `sut_*` spikes or reconnects.
 */
function sutLines(r: RunResult): string[] {
  const lines: string[] = [];
  const events = r.sutEvents ?? [];
  if (events.length > 0) {
    const actions = events.map((e) => `${e.spikeId} ${e.action} at ${fmt(e.startMs / 1000, 1)}s ${e.ok ? `ok in ${fmt((e.endMs - e.startMs) / 1000, 1)} s` : `FAILED: ${e.error}`}${e.exitCode === null ? '' : ` (exit ${e.exitCode})`}`);
    lines.push(`sut:     ${actions.join(' | ')}`);
  }
  const reconnects = r.reconnects ?? [];
  if (reconnects.length > 0) {
    const side = (which: 'participant' | 'probe', label: string): string | null => {
      const lost = reconnects.filter((c) => c.side === which);
      if (lost.length === 0) return null;
      const back = lost.filter((c) => c.rejoinedAtMs !== null);
      const slowest = Math.max(...back.map((c) => (c.rejoinedAtMs! - c.lostAtMs) / 1000));
      return `${label} ${back.length}/${lost.length} back${back.length ? ` (slowest ${fmt(slowest, 1)} s after the loss)` : ''}`;
    };
    lines.push(`rejoins: ${[side('participant', 'participants'), side('probe', 'probe subscriptions')].filter(Boolean).join(' | ')}`);
  }
  return lines;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * What the viewer (the probe's playout model and receiver session) saw over the run: residual
 * loss per medium (audio is concealed, not NACKed), freezes and decodable frame rate, the NACKs
 * and PLIs it sent and the retransmissions it got. Null without the playout model.
 */
function viewerLine(r: RunResult): string | null {
  const f = r.totals.feedback;
  if (!f || !r.streams.some((s) => s.whole.residual_loss_percent !== null)) return null;
  const parts: string[] = [];
  const perMedia = (['video', 'audio'] as const)
    .map((media) => [media, mean(r.streams.filter((s) => s.media === media).map((s) => s.whole.residual_loss_percent))] as const)
    .filter(([, value]) => value !== null)
    .map(([media, value]) => `${media} ${fmt(value)}%`);
  parts.push(`residual loss ${perMedia.join(', ')}`);
  const decodable = mean(r.streams.map((s) => s.whole.decodable_fps));
  if (decodable !== null) parts.push(`${plural(f.freezes, 'freeze')}${f.freezes > 0 ? ` (${fmt(f.freezeMs / 1000, 1)} s)` : ''}, ${fmt(decodable, 1)} fps decodable`);
  parts.push(`${plural(f.nacksSent, 'NACK')} sent, ${plural(f.retransmissionsReceived, 'retransmission')} received`);
  const keyframeMs = mean(r.streams.map((s) => s.whole.keyframe_response_ms));
  parts.push(`${plural(f.plisSent, 'PLI')} sent${keyframeMs === null ? '' : `, keyframe after ${fmt(keyframeMs, 0)} ms`}`);
  return parts.join(' | ');
}

/**
 * What the senders measured and were asked for by their receiver (the probe, or through an SFU
 * the SFU): round trip, NACKs answered with retransmissions, PLIs/FIRs answered with keyframes.
 * Null when no sender ran RTCP.
 */
function sendersLine(r: RunResult): string | null {
  const f = r.totals.feedback;
  if (!f || !r.streams.some((s) => s.sender !== null)) return null;
  const rtt = mean(r.streams.map((s) => s.whole.rtt_ms));
  return [
    `RTT ${fmt(rtt)} ms`,
    `${plural(f.senderNacksReceived, 'NACK')} received, ${plural(f.senderRetransmissionsSent, 'retransmission')} sent`,
    `${plural(f.senderPlisReceived, 'PLI')} + ${plural(f.senderFirsReceived, 'FIR')} received, ${plural(f.senderKeyframesSent, 'keyframe')} sent`,
  ].join(' | ');
}

/**
 * The load generator's own health: healthy in every window (with its worst figures), or the parts
 * and windows that were not and why. Null for results from before it was measured.
 */
export function healthLine(r: RunResult): string | null {
  const h = r.health;
  if (!h || (h.engines.length === 0 && h.probe.length === 0)) return null;
  if (h.unhealthy.length > 0) {
    const inconclusive = r.assertions.filter((a) => a.inconclusive).length;
    return `generator: UNHEALTHY in ${h.unhealthyWindows} of ${h.windows} windows: ${describeUnhealthy(h.unhealthy)}${inconclusive > 0 ? `; ${plural(inconclusive, 'assertion')} inconclusive` : ''}`;
  }
  const worst = (values: (number | null)[]): number | null => values.reduce<number | null>((m, v) => (v === null ? m : m === null ? v : Math.max(m, v)), null);
  const engines = h.engines.flatMap((e) => e.windows.filter((w) => w.index < h.windows));
  const probe = h.probe.filter((w) => w.index < h.windows);
  const parts = [
    `pacing lateness p99 ${fmt(worst(engines.map((w) => w.latenessP99Ms)), 1)} ms`,
    `event-loop delay p99 ${fmt(worst([...engines, ...probe].map((w) => w.eventLoopDelayP99Ms)), 1)} ms`,
    `CPU ${fmt(worst([...engines, ...probe].map((w) => w.cpuPercent)), 0)} %`,
  ];
  const lag = worst(probe.map((w) => w.receiveLagP99Ms));
  if (lag !== null) parts.push(`receive lag p99 ${fmt(lag, 1)} ms`);
  return `generator: healthy in all ${h.windows} windows (worst: ${parts.join(', ')})`;
}

/** `, io batched` (engines and probe alike), `, io engines batched / probe dgram`, or nothing when unknown (older results). */
function ioLabel(io: RunResult['io'] | undefined): string {
  if (!io || (io.engines === null && io.probe === null)) return '';
  // WebRTC sessions whose media stayed on werift although the batched layer was there are never hidden.
  const media = io.webrtcMedia;
  const onWerift = media && media.reasons.length > 0 ? ` (WebRTC media: ${media.participantsWerift + media.probeWerift} sessions on werift, ${media.probeBroken ?? 0} probe sessions not measured: ${media.reasons.join('; ')})` : '';
  if (io.engines === io.probe || io.probe === null) return `, io ${io.engines}${onWerift}`;
  if (io.engines === null) return `, io probe ${io.probe}${onWerift}`;
  return `, io engines ${io.engines} / probe ${io.probe}${onWerift}`;
}

/**
 * Failed sends, said plainly: the run went on, and a target that refused (ICMP port unreachable
 * on the participants' connected sockets) most likely had nothing listening. Null when none.
 */
export function sendErrorsLine(r: RunResult): string | null {
  const errors = r.totals.sendErrors;
  if (!errors) return null;
  const refused = r.totals.sendRefused ?? 0;
  const sent = r.totals.packetsSent;
  const share = sent ? ` (${((100 * errors) / sent).toFixed(1)}% of the packets)` : '';
  const why = refused > 0 ? `; ${refused} refused by the target ${r.target} (ICMP port unreachable: is anything listening there?)` : '';
  return `send errors: ${errors} sends failed${share}${why}; the run went on`;
}
