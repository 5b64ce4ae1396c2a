import type { RunResult, StreamResult } from '../../src/result/types.js';
import { describeCause } from '../../src/health/index.js';
import { describeUnhealthy } from '../../src/verdict/index.js';
import { limitText, worstText } from '../assertion-text.js';
import { sendErrorsLine } from '../console.js';
import { cell, escapeHtml, scriptJson, SORT_SCRIPT, STYLE, uplot } from './page-parts.js';
import { CHART_SCRIPT, chartData, chartDivs, HEALTH_CHART_PREFIX } from './timeline-charts.js';

/** A column of a per-stream table: its header, what a stream shows in it and with how many decimals. */
interface Column {
  header: string;
  title?: string;
  left?: boolean;
  digits?: number;
  value(s: StreamResult): number | string | null;
}

/** Columns under a common heading ('' for none). */
interface ColumnGroup {
  name: string;
  columns: Column[];
}

const STREAM_ID: ColumnGroup = {
  name: '',
  columns: [
    // Behind an SFU each viewer has its own copy of a participant's streams: which viewer's this is.
    { header: 'participant', left: true, value: (s) => `${s.participantId === null ? '?' : String(s.participantId)}${s.viewer !== undefined ? ` → ${s.viewer}` : ''}` },
    { header: 'media', left: true, value: (s) => (s.rid === undefined ? s.media : `${s.media} ${s.rid}`) },
    // An SFU restart renumbers what it forwards: the SSRCs the stream arrived under, in order.
    { header: 'ssrc', left: true, value: (s) => (s.ssrcs ?? [s.ssrc]).map((ssrc) => ssrc.toString(16)).join(' → ') },
  ],
};

function mosColumn(viewer: boolean): Column {
  return {
    header: 'MOS',
    title: viewer ? "E-model of the viewer's loss (residual), jitter, and delay with the measured jitter-buffer delay" : 'E-model of the wire loss, jitter and delay',
    value: (s) => s.whole.mos,
  };
}

/**
 * What the viewer saw per stream, next to the wire figure it recovered from: loss on the wire and
 * still missing at playout (whole run and in spikes), frames received and decodable, freezes, MOS,
 * and the feedback the viewer sent.
 */
function viewerGroups(sut: boolean): ColumnGroup[] {
  return [
    STREAM_ID,
    {
      name: 'loss %',
      columns: [
        { header: 'wire', title: 'lost on the wire, before any recovery', value: (s) => s.whole.packet_loss_percent },
        { header: 'at playout', title: 'residual: still missing at playout after NACK/RTX, late packets included', value: (s) => s.whole.residual_loss_percent },
      ],
    },
    {
      name: 'loss % in spikes',
      columns: [
        { header: 'wire', value: (s) => s.duringSpikes.packet_loss_percent },
        { header: 'at playout', value: (s) => s.duringSpikes.residual_loss_percent },
      ],
    },
    {
      name: 'video',
      columns: [
        { header: 'fps received', digits: 1, title: 'frames completed on the wire per second', value: (s) => s.whole.frame_rate_fps },
        { header: 'fps decodable', digits: 1, title: 'frames rendered per second (complete by their deadline, intact reference chain)', value: (s) => s.whole.decodable_fps },
        { header: 'freezes', digits: 0, title: 'W3C freezeCount', value: (s) => s.whole.freeze_count },
        { header: 'frozen ms', digits: 0, title: 'W3C totalFreezesDuration', value: (s) => s.whole.freeze_ms },
      ],
    },
    // After actions on the system under test: how long each stream was gone, and how long its participant took to publish again.
    ...(sut
      ? [
          {
            name: 'outages',
            columns: [
              { header: 'longest s', title: 'outage_seconds: the longest span without any packet of the stream at the probe', value: (s: StreamResult) => s.whole.outage_seconds },
              { header: 'rejoin s', title: 'reconnect_seconds: the SUT back to the participant publishing again (after sut_* spikes)', value: (s: StreamResult) => s.whole.reconnect_seconds },
            ],
          },
        ]
      : []),
    { name: '', columns: [mosColumn(true)] },
    {
      name: 'the viewer asked',
      columns: [
        { header: 'NACKs', digits: 0, title: 'NACK messages sent (W3C nackCount)', value: (s) => s.whole.nack_count },
        { header: 'resent packets', digits: 0, title: 'retransmissions received (RTX, or a NACKed packet again; W3C retransmittedPacketsReceived)', value: (s) => s.whole.retransmitted_packets },
        { header: 'PLIs', digits: 0, title: 'PLIs sent (W3C pliCount)', value: (s) => s.whole.pli_count },
        { header: 'keyframe ms', digits: 0, title: 'first PLI of a request to the first packet of the next keyframe', value: (s) => s.whole.keyframe_response_ms },
      ],
    },
  ];
}

/** The wire figures per stream and, with RTCP, what the stream's sender measured and was asked for. */
function wireGroups(viewer: boolean, sender: boolean): ColumnGroup[] {
  const groups: ColumnGroup[] = [
    STREAM_ID,
    {
      name: 'on the wire',
      columns: [
        { header: 'received', digits: 0, value: (s) => s.received },
        { header: 'lost', digits: 0, value: (s) => s.lost },
        { header: 'loss %', value: (s) => s.whole.packet_loss_percent },
        { header: 'loss % in spikes', value: (s) => s.duringSpikes.packet_loss_percent },
        { header: 'loss % baseline', value: (s) => s.baseline.packet_loss_percent },
        { header: 'jitter ms', value: (s) => s.whole.jitter_ms },
        { header: 'delay ms', value: (s) => s.whole.delay_ms },
        { header: 'kbps', digits: 0, value: (s) => s.whole.bitrate_kbps },
        { header: 'fps', digits: 1, value: (s) => s.whole.frame_rate_fps },
        // With the playout model MOS is the viewer's (residual loss): it sits in the viewer table then.
        ...(viewer ? [] : [mosColumn(false)]),
      ],
    },
  ];
  if (sender) {
    groups.push({
      name: 'the sender (RTCP)',
      columns: [
        { header: 'RTT ms', title: 'from receiver reports (RFC 3550 LSR/DLSR)', value: (s) => s.sender?.rttMs ?? null },
        { header: 'NACKs in', digits: 0, title: 'NACKs the sender received (through an SFU: from the SFU)', value: (s) => s.sender?.nacksReceived ?? null },
        { header: 'resent', digits: 0, title: 'packets the sender retransmitted (W3C retransmittedPacketsSent)', value: (s) => s.sender?.retransmissionsSent ?? null },
        { header: 'PLI/FIR in', digits: 0, title: 'PLIs and FIRs the sender received (through an SFU: from the SFU)', value: (s) => (s.sender ? s.sender.plisReceived + s.sender.firsReceived : null) },
        { header: 'keyframes sent', digits: 0, value: (s) => s.sender?.keyframesSent ?? null },
      ],
    });
  }
  return groups;
}

/** A sortable per-stream table; a row of group headings above the column headers when there is more than one group to tell apart. */
function streamTable(id: string, groups: ColumnGroup[], streams: readonly StreamResult[]): string {
  const grouped = groups.filter((g) => g.name !== '').length > 1;
  // Each column's classes: left-aligned text, and a rule where a group starts (only when groups are shown).
  const columns = groups.flatMap((g, gi) => g.columns.map((c, ci) => ({ c, cls: [c.left ? 'l' : '', grouped && gi > 0 && ci === 0 ? 'group-start' : ''].filter(Boolean).join(' ') })));
  const groupRow = grouped ? `<tr class="groups">${groups.map((g, i) => `<th colspan="${g.columns.length}"${i > 0 ? ' class="group-start"' : ''}>${escapeHtml(g.name)}</th>`).join('')}</tr>` : '';
  const headerRow = `<tr>${columns.map(({ c, cls }) => `<th${cls ? ` class="${cls}"` : ''}${c.title ? ` title="${escapeHtml(c.title)}"` : ''}>${escapeHtml(c.header)}</th>`).join('')}</tr>`;
  const body = streams.map((s) => `<tr>${columns.map(({ c, cls }) => cell(c.value(s), c.digits ?? 2, cls)).join('')}</tr>`).join('\n');
  return `<div class="scroll">\n<table class="sortable streams" id="${id}"><thead>${groupRow}${headerRow}</thead>\n<tbody>\n${body}\n</tbody></table></div>`;
}

/** What the `sut_*` spikes did to the system under test, and how sessions were lost and joined again; '' when nothing happened. */
function sutSection(result: RunResult): string {
  const events = result.sutEvents ?? [];
  const reconnects = result.reconnects ?? [];
  if (events.length === 0 && reconnects.length === 0) return '';
  const seconds = (ms: number | null): number | null => (ms === null ? null : ms / 1000);
  const eventRows = events
    .map(
      (e) =>
        `<tr class="${e.ok ? 'ok' : 'fail'}">${cell(e.spikeId, 0, 'l')}${cell(e.type, 0, 'l')}${cell(`${e.action} (${e.phase})`, 0, 'l')}${cell(seconds(e.startMs), 2)}${cell(seconds(e.endMs), 2)}${cell((e.endMs - e.startMs) / 1000, 2)}` +
        `<td class="verdict" data-v="${e.ok ? 1 : 0}">${e.ok ? 'ok' : 'FAILED'}</td>${cell(e.exitCode, 0)}${cell(e.detail, 0, 'l')}<td class="l" data-v=""><pre>${escapeHtml([e.error, e.output.trim()].filter(Boolean).join('\n'))}</pre></td></tr>`,
    )
    .join('\n');
  const reconnectRows = reconnects
    .map(
      (c) =>
        `<tr class="${c.rejoinedAtMs === null ? 'fail' : 'ok'}">${cell(c.side, 0, 'l')}${cell(c.participantId, 0)}${cell(c.reason, 0, 'l')}${cell(seconds(c.lostAtMs), 2)}${cell(seconds(c.rejoinedAtMs), 2)}` +
        `${cell(c.rejoinedAtMs === null ? null : (c.rejoinedAtMs - c.lostAtMs) / 1000, 2)}${cell(c.attempts, 0)}${cell(c.error, 0, 'l')}</tr>`,
    )
    .join('\n');
  return `<section><h2>System under test <small><span class="legend-sut"></span> actions on the charts</small></h2>
<table class="sortable" id="sut-events"><thead><tr><th>spike</th><th class="l">type</th><th class="l">action</th><th>start s</th><th>end s</th><th>took s</th><th>result</th><th>exit</th><th class="l">what ran</th><th class="l">output (tail)</th></tr></thead>
<tbody>
${eventRows}
</tbody></table>
<h2 style="margin-top:16px">Sessions lost and joined again</h2>
<table class="sortable" id="reconnects"><thead><tr><th class="l">side</th><th>participant</th><th class="l">lost because</th><th>lost at s</th><th>back at s</th><th>took s</th><th>attempts</th><th class="l">error</th></tr></thead>
<tbody>
${reconnectRows}
</tbody></table></section>
`;
}

/**
 * The load generator's health panel: its figures over time (charts drawn from the timeline), the
 * limits they were judged by, and every unhealthy part of a window and why. Empty for results from
 * before health was measured.
 */
function healthSection(result: RunResult, healthCharts: string): string {
  const h = result.health;
  if (!h || (h.engines.length === 0 && h.probe.length === 0)) return '';
  const t = h.thresholds;
  const limits = `limits per window: pacing lateness p99 ${t.pacingLatenessMs} ms, event-loop delay p99 ${t.eventLoopDelayMs} ms, CPU ${t.cpuPercent} % of a core, receive lag p99 ${t.receiveLagMs} ms, ${t.sendDrops} packets not sent, ${t.kernelDrops} kernel drops at the probe${t.markInconclusive ? '' : ' (health.inconclusive: false: assertions judged anyway)'}`;
  const verdict =
    h.unhealthy.length === 0
      ? `healthy in all ${h.windows} windows`
      : `UNHEALTHY in ${h.unhealthyWindows} of ${h.windows} windows: ${describeUnhealthy(h.unhealthy)}; ${result.assertions.filter((a) => a.inconclusive).length} assertion(s) inconclusive`;
  const rows = h.unhealthy
    .map((u) => `<tr class="fail">${cell(u.index, 0)}${cell(u.part, 0, 'l')}${cell(u.causes.map(describeCause).join(', '), 0, 'l')}</tr>`)
    .join('\n');
  return `<section id="health"><h2>Load generator health <small>${escapeHtml(limits)}</small></h2>
<p class="${h.unhealthy.length === 0 ? 'ok' : 'fail'}">${escapeHtml(verdict)}</p>
${healthCharts}${
    rows
      ? `<table class="sortable" id="health-windows"><thead><tr><th>window</th><th class="l">part</th><th class="l">why</th></tr></thead>
<tbody>
${rows}
</tbody></table>`
      : ''
  }</section>
`;
}

/** The run's feedback totals for the metadata list: what the viewer asked for and saw, what the senders were asked and did. */
function feedbackMeta(result: RunResult): [string, string][] {
  const f = result.totals.feedback;
  if (!f) return [];
  return [
    ['viewer (probe)', `${f.nacksSent} NACKs sent, ${f.retransmissionsReceived} retransmissions received (${f.packetsRecovered} in time), ${f.plisSent} PLIs sent, ${f.freezes} freezes (${(f.freezeMs / 1000).toFixed(1)} s)`],
    ['senders (RTCP)', `${f.senderNacksReceived} NACKs received, ${f.senderRetransmissionsSent} retransmissions sent, ${f.senderPlisReceived} PLIs + ${f.senderFirsReceived} FIRs received, ${f.senderKeyframesSent} keyframes sent`],
  ];
}

/**
 * The HTML report: one self-contained file (uPlot and the result inlined, nothing loaded from the
 * network) with time series (spike windows shaded, actions on the system under test marked) of wire and residual loss, MOS, jitter, delay
 * and round trip, bitrate, and the viewer's NACKs, PLIs and freezes; the load generator's health
 * panel (its figures over time, unhealthy windows and why); the assertion table, a
 * sortable per-stream table (wire, viewer, sender) and the run metadata.
 */
export function renderHtml(result: RunResult): string {
  const { js, css } = uplot();
  const assertions = result.assertions
    .map(
      (a) =>
        `<tr class="${a.passed ? 'ok' : a.skipped ? 'skip' : a.inconclusive ? 'inconclusive' : 'fail'}">${cell(a.name, 0, 'l')}<td class="verdict" data-v="${a.passed ? 1 : a.skipped || a.inconclusive ? 0.5 : 0}">${a.passed ? 'pass' : a.skipped ? 'skipped' : a.inconclusive ? 'INCONCLUSIVE' : 'FAIL'}</td>${cell(a.measured, 3)}${cell(limitText(a), 0)}${cell(a.samples, 0)}${cell(a.passed || a.skipped || a.inconclusive ? a.message : [a.message, worstText(a)].filter(Boolean).join('; '), 0, 'l')}</tr>`,
    )
    .join('\n');
  const viewer = result.streams.some((s) => s.whole.residual_loss_percent !== null);
  const sender = result.streams.some((s) => s.sender !== null);
  const charts = chartData([{ label: result.scenario, timeline: result.timeline, spikes: result.spikes, sutEvents: result.sutEvents ?? [] }]);
  const spikes = result.spikes
    .map((s) => `<tr>${cell(s.id, 0, 'l')}${cell(s.type, 0, 'l')}${cell(s.startMs / 1000, 1)}${cell(s.endMs / 1000, 1)}${cell(s.participantIds.length, 0)}${cell(Object.entries(s.params).map(([k, v]) => `${k}=${v}`).join(' '), 0, 'l')}</tr>`)
    .join('\n');
  const meta: [string, string][] = [
    ['scenario', result.scenario + (result.description ? ` — ${result.description}` : '')],
    ['file', result.file ?? '(inline)'],
    ['status', result.status + (result.errorMessage ? `: ${result.errorMessage}` : '')],
    ['seed', String(result.seed)],
    ...(result.baselineRun ? ([['compared with', `${result.baselineRun.report} (${result.baselineRun.scenario}, ${result.baselineRun.startedAt}, ${result.baselineRun.status})`]] as [string, string][]) : []),
    ['backend / transport', `${result.backend} / ${result.transport}`],
    ['participants / partitions', `${result.participants} / ${result.partitions}`],
    ['target', result.target],
    ['UDP I/O (engines / probe)', `${result.io?.engines ?? '–'} / ${result.io?.probe ?? '–'}`],
    ['started / finished', `${result.startedAt} / ${result.finishedAt}`],
    ['duration', `${(result.measuredDurationMs / 1000).toFixed(1)} s measured of ${(result.plannedDurationMs / 1000).toFixed(1)} s planned`],
    ['packets (wire)', `${result.totals.packetsSent ?? '–'} sent, ${result.totals.packetsReceived} received, ${result.totals.packetsLost} lost, ${result.totals.malformedPackets} malformed`],
    ...(result.totals.sendErrors ? ([['send errors', sendErrorsLine(result)!]] as [string, string][]) : []),
    ...feedbackMeta(result),
    ['restarts', result.restarts.length ? result.restarts.map((r) => `partition ${r.partition}: ${r.count}`).join(', ') : 'none'],
    ['avcm', result.avcmVersion],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>avcm: ${escapeHtml(result.scenario)} ${result.status}</title>
<style>${css}</style>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(result.scenario)} <span class="status ${result.status}">${result.status.toUpperCase()}</span></h1>
<div>${result.assertions.filter((a) => a.passed).length}/${result.assertions.length} assertions passed · ${result.participants} participants · ${(result.measuredDurationMs / 1000).toFixed(0)} s · seed ${result.seed}</div></header>
<main>
<section><h2>Assertions</h2>
<table class="sortable" id="assertions"><thead><tr><th>assertion</th><th>verdict</th><th>measured</th><th>limit</th><th>samples</th><th class="l">detail</th></tr></thead>
<tbody>
${assertions}
</tbody></table></section>
<section><h2>Over time <small><span class="legend-spike"></span> spike windows${(result.sutEvents ?? []).length ? '<span class="legend-sut"></span> actions on the system under test' : ''}</small></h2>
${chartDivs(charts.charts.filter((c) => !c.id.startsWith(HEALTH_CHART_PREFIX)))}</section>
${healthSection(result, chartDivs(charts.charts.filter((c) => c.id.startsWith(HEALTH_CHART_PREFIX))))}
${viewer ? `<section><h2>What the viewer saw, next to the wire</h2>\n${streamTable('viewer', viewerGroups((result.sutEvents ?? []).length > 0), result.streams)}</section>\n` : ''}<section><h2>Streams${sender ? ': on the wire, and at the sender' : ''}</h2>
${streamTable('streams', wireGroups(viewer, sender), result.streams)}</section>
${sutSection(result)}<section><h2>Spikes</h2>
<table class="sortable" id="spikes"><thead><tr><th>id</th><th class="l">type</th><th>start s</th><th>end s</th><th>participants</th><th class="l">parameters</th></tr></thead>
<tbody>
${spikes}
</tbody></table></section>
<section><h2>Run</h2><dl class="meta">${meta.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl></section>
</main>
<script type="application/json" id="avcm-result">${scriptJson(result)}</script>
<script type="application/json" id="avcm-charts">${scriptJson(charts)}</script>
<script>${js}</script>
<script>${CHART_SCRIPT}</script>
<script>${SORT_SCRIPT}</script>
</body>
</html>
`;
}
