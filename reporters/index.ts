export { renderJson } from './json.js';
export { renderJunit } from './junit.js';
export { renderHtml } from './html/render-html.js';
export { renderSummary, renderProgress } from './console.js';
export { writeReports, writeAtomically, ReportWriteError, REPORTERS, type Reporter, type ReportPaths } from './write-reports.js';
