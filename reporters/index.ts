export { renderJson } from './json.js';
export { renderJunit } from './junit.js';
export { renderHtml } from './html/render-html.js';
export { renderSummary, renderProgress } from './console.js';
export { writeReports, writeAtomically, REPORTERS, type Reporter } from './write-reports.js';
