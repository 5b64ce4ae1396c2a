import type { RunResult, StreamResult } from '../../src/result/types.js';
import { limitText, worstText } from '../assertion-text.js';
import { healthLine } from '../console.js';

/** How many streams the "worst streams" table lists. */
const WORST_STREAMS = 5;

function md(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function num(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined ? '–' : String(Math.round(value * 10 ** digits) / 10 ** digits);
}

/**
 * The run as a GitHub Actions job summary (Markdown appended to $GITHUB_STEP_SUMMARY): the verdict,
 * every assertion with measured vs limit (a failed one with its worst streams), the streams that
 * did worst over the whole run (lowest MOS, then highest loss), and where the reports are.
 */
export function renderJobSummary(result: RunResult, files?: { json: string; junit: string; html: string }): string {
  const icon = result.status === 'passed' ? '✅' : result.status === 'failed' ? '❌' : '⚠️';
  const passed = result.assertions.filter((a) => a.passed).length;
  const out: string[] = [];
  out.push(`### ${icon} avcm: ${md(result.scenario)} ${result.status.toUpperCase()}`, '');
  out.push(
    `${passed}/${result.assertions.length} assertions passed · ${result.participants} participants · ${Math.round(result.measuredDurationMs / 1000)} s · seed ${result.seed} · ${md(result.backend)}/${md(result.transport)} → ${md(result.target)}`,
    '',
  );
  if (result.errorMessage) out.push(`> ${md(result.errorMessage)}`, '');
  const generator = healthLine(result);
  if (generator) out.push(md(generator), '');
  if (result.baselineRun) out.push(`Compared with \`${md(result.baselineRun.report)}\` (${md(result.baselineRun.scenario)}, ${result.baselineRun.startedAt}, ${result.baselineRun.status}).`, '');
  if (result.assertions.length > 0) {
    out.push('| | assertion | measured | limit | samples | detail |', '| --- | --- | ---: | --- | ---: | --- |');
    for (const a of result.assertions) {
      const detail = a.passed ? '' : a.skipped || a.inconclusive ? a.message : [a.message, worstText(a)].filter(Boolean).join('; ');
      const line = a.location ? ` (line ${a.location.line})` : '';
      out.push(`| ${a.passed ? '✅' : a.skipped ? '⏭️' : a.inconclusive ? '❔' : '❌'} | \`${md(a.name)}\`${line} | ${num(a.measured, 3)} | ${md(limitText(a))} | ${a.samples} | ${md(detail)} |`);
    }
    out.push('');
  }
  const worst = worstStreams(result.streams);
  if (worst.length > 0) {
    out.push(`**Worst streams** (whole run, lowest MOS first)`, '', '| participant | media | MOS | loss % (wire) | loss % (at playout) | jitter ms | freezes |', '| ---: | --- | ---: | ---: | ---: | ---: | ---: |');
    for (const s of worst) {
      out.push(`| ${s.participantId ?? '?'} | ${s.media} | ${num(s.whole.mos)} | ${num(s.whole.packet_loss_percent)} | ${num(s.whole.residual_loss_percent)} | ${num(s.whole.jitter_ms)} | ${num(s.whole.freeze_count, 0)} |`);
    }
    out.push('');
  }
  if (files) out.push(`Reports: \`${md(files.json)}\`, \`${md(files.junit)}\`, \`${md(files.html)}\``, '');
  return `${out.join('\n')}\n`;
}

/** The participant streams with the lowest MOS (then the highest wire loss), at most WORST_STREAMS. */
function worstStreams(streams: readonly StreamResult[]): StreamResult[] {
  const mos = (s: StreamResult): number => s.whole.mos ?? Infinity;
  const loss = (s: StreamResult): number => s.whole.packet_loss_percent ?? 0;
  return streams
    .filter((s) => s.participantId !== null && (s.whole.mos !== null || s.whole.packet_loss_percent !== null))
    .sort((a, b) => mos(a) - mos(b) || loss(b) - loss(a))
    .slice(0, WORST_STREAMS);
}
