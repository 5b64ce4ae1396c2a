import { readFileSync } from 'node:fs';
import { packagePath } from '../../src/package-root.js';

let vendor: { js: string; css: string } | null = null;

/** uPlot, bundled into every report (no network loads: the file opens from disk, in CI artifacts, offline). */
export function uplot(): { js: string; css: string } {
  vendor ??= {
    js: readFileSync(packagePath('reporters/html/vendor/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(packagePath('reporters/html/vendor/uPlot.min.css'), 'utf8'),
  };
  return vendor;
}

/** JSON that is safe inside a <script> element: no `</script`, no `<!--`, no U+2028/2029. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** Text safe inside HTML elements and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The report pages' shared look. */
export const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{padding:18px 28px;background:#1d2330;color:#fff}
header h1{margin:0 0 4px;font-size:20px} header .status{display:inline-block;padding:2px 10px;border-radius:10px;font-weight:600;margin-left:8px}
.passed{background:#1f9d55}.failed{background:#d64545}.error{background:#b7791f}.aborted{background:#718096}.inconclusive{background:#805ad5}
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
tr.ok td.verdict{color:#1f9d55;font-weight:600} tr.fail td.verdict{color:#d64545;font-weight:600} tr.inconclusive td.verdict{color:#805ad5;font-weight:600}
p.ok{color:#1f9d55} p.fail{color:#d64545;font-weight:600}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:14px} .charts .wide{grid-column:1/-1}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px} .meta dt{color:#5a6473} .meta dd{margin:0}
.scroll{max-height:480px;overflow:auto}
.legend-spike{display:inline-block;width:14px;height:10px;background:rgba(214,69,69,.15);border:1px solid rgba(214,69,69,.4);vertical-align:middle}
.legend-sut{display:inline-block;width:14px;height:10px;background:rgba(45,55,72,.45);border-left:2px solid #2d3748;vertical-align:middle;margin-left:10px}
td pre{margin:0;white-space:pre-wrap;max-width:520px;font-size:12px;text-align:left}
`;

/* Runs in the browser: makes every table.sortable sortable by a click on a column header. */
export const SORT_SCRIPT = `
(function () {
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

/** A table cell whose `data-v` is what sorting compares (the number, not its text). */
export function cell(value: number | string | null, digits = 2, cls = ''): string {
  const text = value === null ? '–' : typeof value === 'number' ? value.toFixed(digits) : escapeHtml(value);
  const sortValue = value === null ? '' : String(value);
  return `<td${cls ? ` class="${cls}"` : ''} data-v="${escapeHtml(sortValue)}">${text}</td>`;
}
