import type { Comparison } from '../../src/compare/index.js';
import { formatThreshold } from '../../src/compare/index.js';
import { changeText, headline, value } from './compare-text.js';

const MARK = { regression: '❌ regression', worse: 'worse', better: '✅ better', same: 'same', 'not measured': 'not measured' } as const;

/** Escapes what Markdown tables would read as structure. */
function md(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/**
 * `avcm compare --markdown`: the comparison as GitHub-flavoured Markdown (a PR comment, a job
 * summary): the verdict, both runs, the regressions first, then every metric per scope.
 */
export function renderComparisonMarkdown(c: Comparison): string {
  const out: string[] = [];
  out.push(`### avcm compare: ${md(c.new.scenario)} — ${c.regressions.length > 0 ? '❌' : '✅'} ${headline(c)}`, '');
  out.push('| run | report | status | started | seed |', '| --- | --- | --- | --- | --- |');
  for (const [label, side] of [['old', c.old], ['new', c.new]] as const) out.push(`| ${label} | \`${md(side.report)}\` | ${side.status} | ${side.startedAt} | ${side.seed} |`);
  out.push('');
  for (const note of c.notes) out.push(`> note: ${md(note)}`, '');
  const header = `| scope | metric | ${c.stats.map((s) => `${s} old | ${s} new | ${s} change`).join(' | ')} | verdict | worse when | threshold |`;
  const rule = `| --- | --- | ${c.stats.map(() => '---: | ---: | ---:').join(' | ')} | --- | --- | --- |`;
  const row = (r: Comparison['rows'][number]): string =>
    `| ${r.scope} | ${r.metric} | ${r.stats.map((s) => `${value(s.old)} | ${value(s.new)} | ${changeText(s)}`).join(' | ')} | ${MARK[r.verdict]} | ${r.worseWhen} | ${md(formatThreshold(r.threshold))} |`;
  if (c.regressions.length > 0) out.push('#### Regressions', '', header, rule, ...c.regressions.map(row), '');
  out.push('<details><summary>Every metric per scope</summary>', '', header, rule, ...c.rows.map(row), '', '</details>', '');
  return out.join('\n');
}
