import type { TimelinePoint } from '../../src/result/types.js';

/** One time series of a chart: a timeline field; `right` puts it on a second y axis, `steps` draws per-window counts. */
export interface ChartSeries {
  label: string;
  field: keyof TimelinePoint;
  color: string;
  right?: boolean;
  steps?: boolean;
}

/** One chart of the report: its element id, title and series. */
export interface Chart {
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
export const CHARTS: Chart[] = [
  {
    id: 'chart-loss',
    title: 'packet loss %',
    wide: true,
    series: [
      { label: 'on the wire', field: 'packetLossPercent', color: '#d64545' },
      { label: 'at playout: still missing after NACK/RTX (residual)', field: 'residualLossPercent', color: '#553c9a' },
    ],
  },
  { id: 'chart-mos', title: 'MOS per second (E-model of the loss at playout when the viewer model runs, else the wire loss; jitter, delay)', series: [{ label: 'MOS', field: 'mos', color: '#1f9d55' }] },
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
  // The load generator's own health (HEALTH_CHART_PREFIX): drawn in the report's health panel.
  {
    id: 'chart-health-timing',
    title: 'generator: how late it ran, ms (worst part per second)',
    series: [
      { label: 'pacing lateness p99 (engines)', field: 'healthLatenessMs', color: '#2b6cb0' },
      { label: 'event-loop delay p99 (engines, probe)', field: 'healthEventLoopDelayMs', color: '#b7791f' },
      { label: 'receive lag p99 (probe)', field: 'healthReceiveLagMs', color: '#553c9a' },
    ],
  },
  {
    id: 'chart-health-load',
    title: 'generator: CPU % of a core (busiest process) and unhealthy parts per second',
    series: [
      { label: 'CPU %', field: 'healthCpuPercent', color: '#dd6b20' },
      { label: 'unhealthy parts (right axis)', field: 'healthUnhealthyParts', color: '#d64545', right: true, steps: true },
    ],
  },
];

/** Charts whose id starts with this are the generator's health (their own panel in the report). */
export const HEALTH_CHART_PREFIX = 'chart-health';

/** The charts with data in any of the runs, each without the series no run measured. */
export function chartsOf(timelines: readonly (readonly TimelinePoint[])[]): Chart[] {
  // Health fields are absent (not null) in results from before they were measured.
  const measured = (field: keyof TimelinePoint): boolean => timelines.some((timeline) => timeline.some((p) => p[field] !== null && p[field] !== undefined));
  return CHARTS.map((c) => ({ ...c, series: c.series.filter((s) => measured(s.field)) })).filter((c) => c.series.length > 0);
}

/** One run drawn in the charts: its label (prefixes the series when runs are overlaid), timeline and spike windows. */
export interface ChartRun {
  label: string;
  timeline: readonly TimelinePoint[];
  spikes: readonly { startMs: number; endMs: number }[];
  /** Actions on the system under test (`sut_*` spikes): marked as dark bands labelled with the action. */
  sutEvents?: readonly { startMs: number; endMs: number; action: string; ok: boolean }[];
  /** Drawn dashed (the earlier run of a comparison). */
  dashed?: boolean;
}

/**
 * The charts' data for the page: each run's timeline and spike windows, and the charts with data.
 * Embedded as JSON in `<script type="application/json" id="avcm-charts">`, drawn by CHART_SCRIPT.
 */
export function chartData(runs: readonly ChartRun[]): {
  runs: { label: string; dashed: boolean; timeline: readonly TimelinePoint[]; spikes: [number, number][]; sut: [number, number, string][] }[];
  charts: Chart[];
} {
  return {
    runs: runs.map((r) => ({
      label: r.label,
      dashed: r.dashed === true,
      timeline: r.timeline,
      spikes: r.spikes.map((s): [number, number] => [s.startMs / 1000, s.endMs / 1000]),
      sut: (r.sutEvents ?? []).map((e): [number, number, string] => [e.startMs / 1000, e.endMs / 1000, e.action + (e.ok ? '' : ' FAILED')]),
    })),
    charts: chartsOf(runs.map((r) => r.timeline)),
  };
}

/** `<div>`s the charts are drawn into, in page order. */
export function chartDivs(charts: readonly Chart[]): string {
  return `<div class="charts">${charts.map((c) => `<div id="${c.id}"${c.wide ? ' class="wide"' : ''}></div>`).join('')}</div>`;
}

/*
 * Runs in the browser: draws every chart with uPlot from the avcm-charts data. Runs are overlaid on
 * one time axis (seconds since each run's start; the union of their windows), each chart series
 * once per run, the earlier run dashed; spike windows of every run are shaded (the same window once).
 */
export const CHART_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('avcm-charts').textContent);
  var runs = data.runs;
  var seen = {}, t = [];
  runs.forEach(function (r) { r.timeline.forEach(function (p) { if (!seen[p.t]) { seen[p.t] = true; t.push(p.t); } }); });
  t.sort(function (a, b) { return a - b; });
  var spikes = [], spikeKeys = {};
  runs.forEach(function (r) { r.spikes.forEach(function (s) { var k = s[0] + ':' + s[1]; if (!spikeKeys[k]) { spikeKeys[k] = true; spikes.push(s); } }); });
  function shade(u) {
    var ctx = u.ctx; ctx.save(); ctx.fillStyle = 'rgba(214,69,69,0.13)';
    spikes.forEach(function (s) {
      var x0 = u.valToPos(s[0], 'x', true), x1 = u.valToPos(s[1], 'x', true);
      ctx.fillRect(x0, u.bbox.top, Math.max(1, x1 - x0), u.bbox.height);
    });
    ctx.restore();
  }
  // What was done to the system under test: a dark band while each action ran, labelled with it.
  var sut = [];
  runs.forEach(function (r) { (r.sut || []).forEach(function (e) { sut.push(e); }); });
  function markSut(u) {
    if (sut.length === 0) return;
    var ctx = u.ctx, dpr = window.devicePixelRatio || 1; ctx.save();
    ctx.font = (11 * dpr) + 'px system-ui, sans-serif'; ctx.textBaseline = 'top'; ctx.textAlign = 'left';
    sut.forEach(function (e) {
      var x0 = u.valToPos(e[0], 'x', true), x1 = u.valToPos(e[1], 'x', true);
      ctx.fillStyle = 'rgba(45,55,72,0.35)';
      ctx.fillRect(x0, u.bbox.top, Math.max(2 * dpr, x1 - x0), u.bbox.height);
      ctx.fillStyle = '#2d3748'; ctx.fillRect(x0, u.bbox.top, 2 * dpr, u.bbox.height);
      ctx.fillText(e[2], x0 + 4 * dpr, u.bbox.top + 2 * dpr);
    });
    ctx.restore();
  }
  function column(run, field) {
    var byT = {};
    run.timeline.forEach(function (p) { byT[p.t] = p[field]; });
    return t.map(function (x) { var v = byT[x]; return v === undefined ? null : v; });
  }
  data.charts.forEach(function (c) {
    var el = document.getElementById(c.id);
    var width = Math.max(320, el.clientWidth || 560);
    var right = c.series.some(function (s) { return s.right; });
    var axes = [{ label: 'seconds' }, { scale: 'y', size: 64 }];
    if (right) axes.push({ scale: 'right', side: 1, size: 48, grid: { show: false } });
    // Counts start at 0 and show at least 0..1 (a run without any reads as a flat zero, not 0..100).
    var counts = c.series.every(function (s) { return s.steps; });
    var range = counts ? { range: function (u, min, max) { return [0, Math.max(1, max * 1.1)]; } } : {};
    var series = [], columns = [];
    c.series.forEach(function (s) {
      runs.forEach(function (r) {
        series.push({
          label: runs.length > 1 ? r.label + ': ' + s.label : s.label,
          stroke: s.color, width: 2, scale: s.right ? 'right' : 'y', spanGaps: false,
          dash: r.dashed ? [6, 4] : undefined,
          fill: c.series.length === 1 && runs.length === 1 ? s.color + '22' : undefined,
          // Counts hold for their whole window [t, t + 1 s): drawn as steps, not interpolated.
          paths: s.steps ? uPlot.paths.stepped({ align: 1 }) : undefined
        });
        columns.push(column(r, s.field));
      });
    });
    new uPlot({
      title: c.title, width: width, height: 220,
      scales: { x: { time: false }, y: range, right: range },
      axes: axes,
      series: [{ label: 't (s)' }].concat(series),
      hooks: { drawClear: [shade], draw: [markSut] }
    }, [t].concat(columns), el);
  });
})();
`;

