import type { Comparison } from '../../src/compare/index.js';
import { formatThreshold } from '../../src/compare/index.js';
import type { RunResult } from '../../src/result/types.js';
import { cell, escapeHtml, scriptJson, SORT_SCRIPT, STYLE, uplot } from '../html/page-parts.js';
import { CHART_SCRIPT, chartData, chartDivs } from '../html/timeline-charts.js';
import { changeText, headline } from './compare-text.js';

const COMPARE_STYLE = `
tr.regression td.verdict{color:#d64545;font-weight:600} tr.better td.verdict{color:#1f9d55} tr.worse td.verdict{color:#b7791f}
.legend-old{display:inline-block;width:22px;border-top:2px dashed #1d2330;vertical-align:middle} .legend-new{display:inline-block;width:22px;border-top:2px solid #1d2330;vertical-align:middle}
`;

/**
 * `avcm compare --html`: one self-contained page (uPlot inlined, nothing loaded from the network)
 * with both runs' timelines overlaid on the report's charts (the old run dashed, spike windows of
 * both shaded) and the comparison table, regressions marked.
 */
export function renderComparisonHtml(c: Comparison, oldResult: RunResult, newResult: RunResult): string {
  const { js, css } = uplot();
  const charts = chartData([
    { label: 'old', timeline: oldResult.timeline, spikes: oldResult.spikes, dashed: true },
    { label: 'new', timeline: newResult.timeline, spikes: newResult.spikes },
  ]);
  const status = c.regressions.length > 0 ? 'failed' : 'passed';
  const statHeaders = c.stats.map((s) => `<th>${s} old</th><th>${s} new</th><th>${s} change</th>`).join('');
  const rows = c.rows
    .map(
      (r) =>
        `<tr class="${r.verdict.replace(' ', '-')}">${cell(r.scope, 0, 'l')}${cell(r.metric, 0, 'l')}${r.stats.map((s) => `${cell(s.old, 3)}${cell(s.new, 3)}<td data-v="${s.change ?? ''}">${escapeHtml(changeText(s))}</td>`).join('')}<td class="verdict l" data-v="${escapeHtml(r.verdict)}">${escapeHtml(r.verdict)}</td>${cell(r.worseWhen, 0, 'l')}${cell(formatThreshold(r.threshold), 0, 'l')}</tr>`,
    )
    .join('\n');
  const runRow = (label: string, side: Comparison['old']): string =>
    `<tr>${cell(label, 0, 'l')}${cell(side.report, 0, 'l')}${cell(side.scenario, 0, 'l')}${cell(side.status, 0, 'l')}${cell(side.startedAt, 0, 'l')}${cell(side.seed, 0)}${cell(side.participants, 0)}${cell(side.avcmVersion, 0, 'l')}</tr>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>avcm compare: ${escapeHtml(c.new.scenario)} ${status}</title>
<style>${css}</style>
<style>${STYLE}${COMPARE_STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(c.new.scenario)}: old vs new <span class="status ${status}">${escapeHtml(headline(c))}</span></h1>
<div>${escapeHtml(c.old.report)} → ${escapeHtml(c.new.report)}</div></header>
<main>
<section><h2>Runs</h2>
<table id="runs"><thead><tr><th>run</th><th class="l">report</th><th class="l">scenario</th><th class="l">status</th><th class="l">started</th><th>seed</th><th>participants</th><th class="l">avcm</th></tr></thead>
<tbody>
${runRow('old', c.old)}
${runRow('new', c.new)}
</tbody></table>
${c.notes.map((n) => `<p>note: ${escapeHtml(n)}</p>`).join('\n')}</section>
<section><h2>Over time <small><span class="legend-old"></span> old <span class="legend-new"></span> new <span class="legend-spike"></span> spike windows</small></h2>
${chartDivs(charts.charts)}</section>
<section><h2>Every metric per scope</h2>
<div class="scroll"><table class="sortable" id="comparison"><thead><tr><th>scope</th><th class="l">metric</th>${statHeaders}<th class="l">verdict</th><th class="l">worse when</th><th class="l">threshold</th></tr></thead>
<tbody>
${rows}
</tbody></table></div></section>
</main>
<script type="application/json" id="avcm-comparison">${scriptJson(c)}</script>
<script type="application/json" id="avcm-charts">${scriptJson(charts)}</script>
<script>${js}</script>
<script>${CHART_SCRIPT}</script>
<script>${SORT_SCRIPT}</script>
</body>
</html>
`;
}
