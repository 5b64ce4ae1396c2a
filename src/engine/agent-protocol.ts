/**
 * The agent protocol: JSON lines between a runner and one partition's engine process. The same
 * shapes for local child processes, containers and pods (only the pipe differs). Mergeable
 * counters and histograms cross it, never percentiles.
 */
import type { EngineHealthWindow } from '../health/index.js';
import type { PlannedSpike } from '../plan/types.js';
import type { EngineStats } from './engine-stats.js';

/** Runner -> agent (stdin). */
export type AgentCommand =
  | { type: 'start'; runStartEpochMs: number }
  | { type: 'spike'; spike: PlannedSpike }
  | { type: 'answer'; participantId: number; sdp: string }
  | { type: 'stop' };

/** Agent -> runner (stdout). */
export type AgentEvent =
  | { type: 'ready'; partition: number; participants: number; pid: number; media: { videoFrames: number; audioFrames: number } }
  | { type: 'offer'; partition: number; participantId: number; sdp: string }
  | { type: 'started'; partition: number; runStartEpochMs: number; lateJoinMs: number }
  | { type: 'stats'; stats: EngineStats }
  /**
   * The engine's own health over the run windows that just ended (one, or several when the
   * process stalled past their ends): sent after each window, and for the last partial one
   * before `done`. Runners keep every window they receive.
   */
  | { type: 'health'; partition: number; windows: EngineHealthWindow[] }
  | { type: 'done'; stats: EngineStats }
  | { type: 'error'; partition: number; code: string; message: string; hint?: string };

export function encodeLine(message: AgentCommand | AgentEvent): string {
  return `${JSON.stringify(message)}\n`;
}

/** Splits a byte stream into lines and parses each as JSON; malformed lines go to `onGarbage`. */
export function lineReader<T>(onMessage: (message: T) => void, onGarbage: (line: string) => void = () => {}): (chunk: Buffer | string) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString();
    let newline = pending.indexOf('\n');
    while (newline >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line.length > 0) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(line);
        } catch {
          onGarbage(line);
          parsed = undefined;
        }
        if (parsed !== undefined && typeof parsed === 'object' && parsed !== null && 'type' in parsed) onMessage(parsed as T);
        else if (parsed !== undefined) onGarbage(line);
      }
      newline = pending.indexOf('\n');
    }
  };
}
