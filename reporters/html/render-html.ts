import { readFileSync } from 'node:fs';
import { packagePath } from '../../src/package-root.js';
import type { RunResult } from '../../src/result/types.js';

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
th:first-child,td:first-child,th.l,td.l{text-align:left} th{background:#f0f2f5;position:sticky;top:0}
th.sortable{cursor:pointer;user-select:none} th.sortable:after{content:" \\2195";color:#9aa3ae}
tr.ok td.verdict{color:#1f9d55;font-weight:600} tr.fail td.verdict{color:#d64545;font-weight:600}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:14px}
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
  var charts = [
    ['chart-loss', 'packet loss %', 'packetLossPercent', '#d64545'],
    ['chart-jitter', 'jitter ms (RFC 3550)', 'jitterMs', '#b7791f'],
    ['chart-mos', 'MOS (E-model)', 'mos', '#1f9d55'],
    ['chart-bitrate', 'bitrate kbit/s (all streams)', 'bitrateKbps', '#2b6cb0']
  ];
  charts.forEach(function (c) {
    var el = document.getElementById(c[0]);
    var width = Math.max(320, el.clientWidth || 560);
    new uPlot({
      title: c[1], width: width, height: 220,
      scales: { x: { time: false } },
      axes: [{ label: 'seconds' }, { size: 64 }],
      series: [{ label: 't (s)' }, { label: c[1], stroke: c[3], width: 2, fill: c[3] + '22', spanGaps: false }],
      hooks: { drawClear: [shade] }
    }, [t, r.timeline.map(function (p) { return p[c[2]]; })], el);
  });
  document.querySelectorAll('table.sortable').forEach(function (table) {
    table.querySelectorAll('th').forEach(function (th, column) {
      th.classList.add('sortable');
      th.addEventListener('click', function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var dir = th.dataset.dir === 'asc' ? -1 : 1; th.dataset.dir = dir === 1 ? 'asc' : 'desc';
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

function cell(value: number | string | null, digits = 2, cls = ''): string {
  const text = value === null ? '–' : typeof value === 'number' ? value.toFixed(digits) : escapeHtml(value);
  const sortValue = value === null ? '' : String(value);
  return `<td${cls ? ` class="${cls}"` : ''} data-v="${escapeHtml(sortValue)}">${text}</td>`;
}

/**
 * The HTML report: one self-contained file (uPlot and the result inlined, nothing loaded from the
 * network) with time series of loss, jitter, MOS and bitrate (spike windows shaded), the assertion
 * table, a sortable per-stream table and the run metadata.
 */
export function renderHtml(result: RunResult): string {
  const { js, css } = uplot();
  const assertions = result.assertions
    .map(
      (a) =>
        `<tr class="${a.passed ? 'ok' : 'fail'}">${cell(a.name, 0, 'l')}<td class="verdict" data-v="${a.passed ? 1 : 0}">${a.passed ? 'pass' : 'FAIL'}</td>${cell(a.measured, 3)}${cell(`${a.op} ${a.threshold}`, 0)}${cell(a.samples, 0)}${cell(a.message, 0, 'l')}</tr>`,
    )
    .join('\n');
  const streams = result.streams
    .map(
      (s) =>
        `<tr>${cell(s.participantId === null ? '?' : String(s.participantId), 0, 'l')}${cell(s.media, 0, 'l')}${cell(s.ssrc.toString(16), 0, 'l')}${cell(s.received, 0)}${cell(s.lost, 0)}${cell(s.whole.packet_loss_percent)}${cell(s.duringSpikes.packet_loss_percent)}${cell(s.baseline.packet_loss_percent)}${cell(s.whole.jitter_ms)}${cell(s.whole.delay_ms)}${cell(s.whole.bitrate_kbps, 0)}${cell(s.whole.frame_rate_fps, 1)}${cell(s.whole.mos)}</tr>`,
    )
    .join('\n');
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
    ['packets', `${result.totals.packetsSent ?? '–'} sent, ${result.totals.packetsReceived} received, ${result.totals.packetsLost} lost, ${result.totals.malformedPackets} malformed`],
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
<div class="charts"><div id="chart-loss"></div><div id="chart-jitter"></div><div id="chart-mos"></div><div id="chart-bitrate"></div></div></section>
<section><h2>Streams</h2><div class="scroll">
<table class="sortable" id="streams"><thead><tr><th>participant</th><th class="l">media</th><th class="l">ssrc</th><th>received</th><th>lost</th><th>loss %</th><th>loss % in spikes</th><th>loss % baseline</th><th>jitter ms</th><th>delay ms</th><th>kbps</th><th>fps</th><th>MOS</th></tr></thead>
<tbody>
${streams}
</tbody></table></div></section>
<section><h2>Spikes</h2>
<table class="sortable" id="spikes"><thead><tr><th>id</th><th class="l">type</th><th>start s</th><th>end s</th><th>participants</th><th class="l">parameters</th></tr></thead>
<tbody>
${spikes}
</tbody></table></section>
<section><h2>Run</h2><dl class="meta">${meta.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl></section>
</main>
<script type="application/json" id="avcm-result">${scriptJson(result)}</script>
<script>${js}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
