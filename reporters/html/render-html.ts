import { readFileSync } from 'node:fs';
import { packagePath } from '../../src/package-root.js';
import type { RunResult, StreamResult, TimelinePoint } from '../../src/result/types.js';

let vendor: { js: string; css: string } | null = null;

/** uPlot, bundled into every report (no network loads: the file opens from disk, in CI artifacts, offline). */
function uplot(): { js: string; css: string } {
  vendor ??= {
    js: readFileSync(packagePath('reporters/html/vendor/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(packagePath('reporters/html/vendor/uPlot.min.css'), 'utf8'),
  };
  return vendor;
}

/** JSON that is safe inside a <script> element: no `</script`, no `<!--`, no U+2028/2029. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{padding:18px 28px;background:#1d2330;color:#fff}
header h1{margin:0 0 4px;font-size:20px} header .status{display:inline-block;padding:2px 10px;border-radius:10px;font-weight:600;margin-left:8px}
.passed{background:#1f9d55}.failed{background:#d64545}.error{background:#b7791f}.aborted{background:#718096}
main{padding:20px 28px;max-width:1280px}
section{background:#fff;border:1px solid #e2e5ea;border-radius:8px;padding:16px 18px;margin-bottom:18px}
h2{font-size:16px;margin:0 0 12px}
table{border-collapse:collapse;width:100%} th,td{padding:5px 8px;border-bottom:1px solid #edf0f3;text-align:right;white-space:nowrap}
th:first-child,td:first-child,th.l,td.l{text-align:left} th{background:#f0f2f5} thead{position:sticky;top:0;z-index:1}
tr.groups th{text-align:center;font-weight:600;color:#5a6473;font-size:12px;border-bottom:1px solid #d5dae1}
table.streams{font-size:13px} table.streams th,table.streams td{padding:4px 7px} table.streams thead tr:last-child th{white-space:normal;vertical-align:bottom}
th.group-start,td.group-start{border-left:1px solid #d5dae1}
th.sortable{cursor:pointer;user-select:none} th.sortable:after{content:"\\00a0\\2195";color:#9aa3ae}
table.streams th.sortable:after{content:none} th.sortable[data-dir=asc]:after{content:"\\00a0\\2191";color:#1d2330} th.sortable[data-dir=desc]:after{content:"\\00a0\\2193";color:#1d2330}
tr.ok td.verdict{color:#1f9d55;font-weight:600} tr.fail td.verdict{color:#d64545;font-weight:600}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:14px} .charts .wide{grid-column:1/-1}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px} .meta dt{color:#5a6473} .meta dd{margin:0}
.scroll{max-height:480px;overflow:auto}
.legend-spike{display:inline-block;width:14px;height:10px;background:rgba(214,69,69,.15);border:1px solid rgba(214,69,69,.4);vertical-align:middle}
`;

/* Runs in the browser: draws the charts with uPlot, shades spike windows, and sorts the tables. */
const SCRIPT = `
(function () {
  var r = JSON.parse(document.getElementById('avcm-result').textContent);
  var t = r.timeline.map(function (p) { return p.t; });
  var spikes = r.spikes.map(function (s) { return [s.startMs / 1000, s.endMs / 1000]; });
  function shade(u) {
    var ctx = u.ctx; ctx.save(); ctx.fillStyle = 'rgba(214,69,69,0.13)';
    spikes.forEach(function (s) {
      var x0 = u.valToPos(s[0], 'x', true), x1 = u.valToPos(s[1], 'x', true);
      ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
    });
    ctx.restore();
  }
  var charts = JSON.parse(document.getElementById('avcm-charts').textContent);
  charts.forEach(function (c) {
    var el = document.getElementById(c.id);
    var width = Math.max(320, el.clientWidth || 560);
    var right = c.series.some(function (s) { return s.right; });
    var axes = [{ label: 'seconds' }, { scale: 'y', size: 64 }];
    if (right) axes.push({ scale: 'right', side: 1, size: 48, grid: { show: false } });
    // Counts start at 0 and show at least 0..1 (a run without any reads as a flat zero, not 0..100).
    var counts = c.series.every(function (s) { return s.steps; });
    var range = counts ? { range: function (u, min, max) { return [0, Math.max(1, max * 1.1)]; } } : {};
    new uPlot({
      title: c.title, width: width, height: 220,
      scales: { x: { time: false }, y: range, right: range },
      axes: axes,
      series: [{ label: 't (s)' }].concat(c.series.map(function (s) {
        return {
          label: s.label, stroke: s.color, width: 2, scale: s.right ? 'right' : 'y', spanGaps: false,
          fill: c.series.length === 1 ? s.color + '22' : undefined,
          // Counts hold for their whole window [t, t + 1 s): drawn as steps, not interpolated.
          paths: s.steps ? uPlot.paths.stepped({ align: 1 }) : undefined
        };
      })),
      hooks: { drawClear: [shade] }
    }, [t].concat(c.series.map(function (s) { return r.timeline.map(function (p) { return p[s.field]; }); })), el);
  });
  document.querySelectorAll('table.sortable').forEach(function (table) {
    // The last header row names the columns (a row above it may group them).
    var headers = table.tHead.rows[table.tHead.rows.length - 1].cells;
    Array.prototype.forEach.call(headers, function (th, column) {
      th.classList.add('sortable');
      th.addEventListener('click', function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var dir = th.dataset.dir === 'asc' ? -1 : 1;
        // Only the column sorted last shows its direction.
        Array.prototype.forEach.call(headers, function (h) { delete h.dataset.dir; });
        th.dataset.dir = dir === 1 ? 'asc' : 'desc';
        rows.sort(function (a, b) {
          var x = a.cells[column].dataset.v, y = b.cells[column].dataset.v;
          var nx = parseFloat(x), ny = parseFloat(y);
          if (!isNaN(nx) && !isNaN(ny)) return (nx - ny) * dir;
          return String(x).localeCompare(String(y)) * dir;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
`;

/** One time series of a chart: a timeline field; `right` puts it on a second y axis, `steps` draws per-window counts. */
interface ChartSeries {
  label: string;
  field: keyof TimelinePoint;
  color: string;
  right?: boolean;
  steps?: boolean;
}

interface Chart {
  id: string;
  title: string;
  series: ChartSeries[];
  /** Spans the whole row (the headline chart). */
  wide?: boolean;
}

/**
 * The charts over time, in page order. Wire figures and what the viewer saw share a chart where
 * they measure the same thing (loss), so recovery shows as the gap between the two lines. A
 * series the run did not measure (all null: no playout model, no RTCP) is left out, and so is a
 * chart left with none.
 */
const CHARTS: Chart[] = [
  {
    id: 'chart-loss',
    title: 'packet loss %',
    wide: true,
    series: [
      { label: 'on the wire', field: 'packetLossPercent', color: '#d64545' },
      { label: 'at playout: still missing after NACK/RTX (residual)', field: 'residualLossPercent', color: '#553c9a' },
    ],
  },
  { id: 'chart-mos', title: 'MOS per second (E-model of the wire loss, jitter, delay)', series: [{ label: 'MOS', field: 'mos', color: '#1f9d55' }] },
  { id: 'chart-jitter', title: 'jitter ms (RFC 3550)', series: [{ label: 'jitter ms', field: 'jitterMs', color: '#b7791f' }] },
  {
    id: 'chart-delay',
    title: 'delay ms',
    series: [
      { label: 'one-way (abs-send-time)', field: 'delayMs', color: '#2b6cb0' },
      { label: 'round trip (sender reports)', field: 'rttMs', color: '#dd6b20' },
    ],
  },
  { id: 'chart-bitrate', title: 'bitrate kbit/s (all streams)', series: [{ label: 'kbit/s', field: 'bitrateKbps', color: '#2b6cb0' }] },
  {
    id: 'chart-feedback',
    title: 'feedback the viewer sent, per second',
    series: [
      { label: 'NACKs', field: 'nacks', color: '#319795', steps: true },
      { label: 'PLIs (right axis)', field: 'plis', color: '#b7791f', right: true, steps: true },
    ],
  },
  { id: 'chart-freezes', title: 'video freezes per second', series: [{ label: 'freezes (W3C freezeCount, in the second they began)', field: 'freezes', color: '#d64545', steps: true }] },
];

/** The charts with data in this run, each without its unmeasured series. */
function chartsOf(timeline: readonly TimelinePoint[]): Chart[] {
  const measured = (field: keyof TimelinePoint): boolean => timeline.some((p) => p[field] !== null);
  return CHARTS.map((c) => ({ ...c, series: c.series.filter((s) => measured(s.field)) })).filter((c) => c.series.length > 0);
}

function cell(value: number | string | null, digits = 2, cls = ''): string {
  const text = value === null ? '–' : typeof value === 'number' ? value.toFixed(digits) : escapeHtml(value);
  const sortValue = value === null ? '' : String(value);
  return `<td${cls ? ` class="${cls}"` : ''} data-v="${escapeHtml(sortValue)}">${text}</td>`;
}

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
    { header: 'participant', left: true, value: (s) => (s.participantId === null ? '?' : String(s.participantId)) },
    { header: 'media', left: true, value: (s) => (s.rid === undefined ? s.media : `${s.media} ${s.rid}`) },
    { header: 'ssrc', left: true, value: (s) => s.ssrc.toString(16) },
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
function viewerGroups(): ColumnGroup[] {
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
 * network) with time series (spike windows shaded) of wire and residual loss, MOS, jitter, delay
 * and round trip, bitrate, and the viewer's NACKs, PLIs and freezes; the assertion table, a
 * sortable per-stream table (wire, viewer, sender) and the run metadata.
 */
export function renderHtml(result: RunResult): string {
  const { js, css } = uplot();
  const assertions = result.assertions
    .map(
      (a) =>
        `<tr class="${a.passed ? 'ok' : 'fail'}">${cell(a.name, 0, 'l')}<td class="verdict" data-v="${a.passed ? 1 : 0}">${a.passed ? 'pass' : 'FAIL'}</td>${cell(a.measured, 3)}${cell(`${a.op} ${a.threshold}`, 0)}${cell(a.samples, 0)}${cell(a.message, 0, 'l')}</tr>`,
    )
    .join('\n');
  const viewer = result.streams.some((s) => s.whole.residual_loss_percent !== null);
  const sender = result.streams.some((s) => s.sender !== null);
  const charts = chartsOf(result.timeline);
  const spikes = result.spikes
    .map((s) => `<tr>${cell(s.id, 0, 'l')}${cell(s.type, 0, 'l')}${cell(s.startMs / 1000, 1)}${cell(s.endMs / 1000, 1)}${cell(s.participantIds.length, 0)}${cell(Object.entries(s.params).map(([k, v]) => `${k}=${v}`).join(' '), 0, 'l')}</tr>`)
    .join('\n');
  const meta: [string, string][] = [
    ['scenario', result.scenario + (result.description ? ` — ${result.description}` : '')],
    ['file', result.file ?? '(inline)'],
    ['status', result.status + (result.errorMessage ? `: ${result.errorMessage}` : '')],
    ['seed', String(result.seed)],
    ['backend / transport', `${result.backend} / ${result.transport}`],
    ['participants / partitions', `${result.participants} / ${result.partitions}`],
    ['target', result.target],
    ['started / finished', `${result.startedAt} / ${result.finishedAt}`],
    ['duration', `${(result.measuredDurationMs / 1000).toFixed(1)} s measured of ${(result.plannedDurationMs / 1000).toFixed(1)} s planned`],
    ['packets (wire)', `${result.totals.packetsSent ?? '–'} sent, ${result.totals.packetsReceived} received, ${result.totals.packetsLost} lost, ${result.totals.malformedPackets} malformed`],
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
<section><h2>Over time <small><span class="legend-spike"></span> spike windows</small></h2>
<div class="charts">${charts.map((c) => `<div id="${c.id}"${c.wide ? ' class="wide"' : ''}></div>`).join('')}</div></section>
${viewer ? `<section><h2>What the viewer saw, next to the wire</h2>\n${streamTable('viewer', viewerGroups(), result.streams)}</section>\n` : ''}<section><h2>Streams${sender ? ': on the wire, and at the sender' : ''}</h2>
${streamTable('streams', wireGroups(viewer, sender), result.streams)}</section>
<section><h2>Spikes</h2>
<table class="sortable" id="spikes"><thead><tr><th>id</th><th class="l">type</th><th>start s</th><th>end s</th><th>participants</th><th class="l">parameters</th></tr></thead>
<tbody>
${spikes}
</tbody></table></section>
<section><h2>Run</h2><dl class="meta">${meta.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl></section>
</main>
<script type="application/json" id="avcm-result">${scriptJson(result)}</script>
<script type="application/json" id="avcm-charts">${scriptJson(charts)}</script>
<script>${js}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
