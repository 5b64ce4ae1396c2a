import path from 'node:path';
import { readTraceFile } from '../trace/read-trace.js';
import type { Scenario, SpikeEntry } from './scenario.js';
import type { SemanticProblem } from './semantic.js';

/**
 * Reads the trace file of every `trace` spike (and pool entry) when a scenario is validated, so
 * the plan carries the trace to every engine and a broken trace is a located problem before
 * anything runs. Files are relative to `baseDir` (the scenario file's folder); null = the scenario
 * came inline (REST), where reading server files is not offered. A plain trace spike without a
 * `duration` lasts its trace's length. Returns the scenario with the traces filled in.
 */
export function resolveTraces(scenario: Scenario, baseDir: string | null): { scenario: Scenario; problems: SemanticProblem[] } {
  const problems: SemanticProblem[] = [];
  if (!scenario.spikes.some((s) => s.shapes.some((o) => o.shape.type === 'trace'))) return { scenario, problems };
  const spikes = scenario.spikes.map((entry): SpikeEntry => {
    const shapes = entry.shapes.map((option) => {
      const trace = option.shape.trace;
      if (option.shape.type !== 'trace' || !trace) return option;
      const at = [...option.path, 'file'];
      if (baseDir === null) {
        problems.push({ path: at, message: 'trace files are read next to a scenario file; a scenario given inline cannot name one' });
        return option;
      }
      const file = path.resolve(baseDir, trace.file);
      const read = readTraceFile(file, trace.format);
      for (const p of read.problems) problems.push({ path: at, message: `trace ${trace.file}${p.line > 0 ? `:${p.line}` : ''}: ${p.message}` });
      return { ...option, shape: { ...option.shape, trace: { ...trace, data: read.trace } } };
    });
    const only = shapes.length === 1 && !entry.pooled ? shapes[0].shape.trace?.data : null;
    const durationMs = only && !entry.durationGiven ? { min: only.periodMs, max: only.periodMs } : entry.durationMs;
    return { ...entry, shapes, durationMs };
  });
  return { scenario: { ...scenario, spikes }, problems };
}
