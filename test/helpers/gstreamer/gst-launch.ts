import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

/** The GStreamer elements the harness's pipelines use (Debian: gstreamer1.0-plugins-{base,good,bad,ugly}, -libav). */
export const REQUIRED_ELEMENTS = [
  'rtpsession', 'rtprtxreceive', 'rtprtxsend', 'rtprtxqueue', 'rtpptdemux', 'rtpssrcdemux', 'rtpjitterbuffer', 'rtpfunnel',
  'rtph264pay', 'rtph264depay', 'x264enc', 'avdec_h264', 'rtpopuspay', 'rtpopusdepay', 'opusenc', 'opusdec',
  'udpsrc', 'udpsink', 'videotestsrc', 'audiotestsrc', 'capssetter', 'identity', 'netsim', 'fakesink',
] as const;

/** Lines of output kept for error messages. */
const TAIL_LINES = 40;
/** Longest line kept in the tail (stats lines run to kilobytes). */
const TAIL_LINE_CHARS = 400;

let availability: string | null | undefined;

/**
 * Pipelines still running, killed if this process exits first: a test that crashes must not leave
 * a sender sending to loopback ports that later tests (or other programs) reuse. Module state on
 * purpose: process exit is process-wide. A SIGKILLed Node still orphans them; nothing can help there.
 */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killOnExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const orphan of running) orphan.kill('SIGKILL');
  });
}

/**
 * Why the GStreamer harness cannot run here (gst-launch-1.0 or an element is missing), or null
 * when it can. Checked once per process; tests skip with this message.
 */
export function gstreamerMissing(): string | null {
  if (availability !== undefined) return availability;
  const version = spawnSync('gst-launch-1.0', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    availability = 'gst-launch-1.0 is not installed (apt-get install gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav)';
    return availability;
  }
  if (spawnSync('stdbuf', ['--version']).status !== 0) {
    availability = 'stdbuf (coreutils) is missing: it keeps gst-launch output line-buffered';
    return availability;
  }
  const missing = REQUIRED_ELEMENTS.filter((element) => spawnSync('gst-inspect-1.0', ['--exists', element]).status !== 0);
  availability = missing.length > 0 ? `GStreamer elements missing: ${missing.join(', ')} (install gstreamer1.0-plugins-good/-bad/-ugly and gstreamer1.0-libav)` : null;
  return availability;
}

/**
 * A pipeline in gst-launch syntax, written with whitespace between tokens and none inside a
 * token: gst-launch-1.0 escapes spaces inside each argv entry, so every token is its own argument.
 */
export function pipelineTokens(pipeline: string): string[] {
  return pipeline.trim().split(/\s+/);
}

/** The pipeline as a shell command line a person can paste (values with shell-special characters quoted). */
export function printableCommand(tokens: readonly string[]): string {
  const quoted = tokens.map((token) => {
    if (!/[()<>;]/.test(token)) return token;
    const property = /^[a-z][\w-]*=/i.exec(token);
    return property ? `${property[0]}"${token.slice(property[0].length)}"` : `"${token}"`;
  });
  return `gst-launch-1.0 -e -v ${quoted.join(' ')}`;
}

/** How to run gst-launch-1.0 beyond the pipeline itself. */
export interface GstLaunchOptions {
  /** Extra environment, e.g. `{ GST_DEBUG: 'rtpsession:5' }` to see why feedback was or was not sent. */
  env?: NodeJS.ProcessEnv;
  /** Write the command line and every line of output here (for debugging a failing test). */
  logFile?: string;
}

export interface GstExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One gst-launch-1.0 process run with `-e -v`: -v prints every property notification (the
 * rtpsession's `stats` after each RTCP packet, fakesink's `last-message` per buffer, udpsrc's
 * bound `port`), which is how figures get out without GObject bindings; -e turns SIGINT into EOS
 * so the pipeline ends cleanly (RTCP BYE). Output is line-buffered through stdbuf so a killed
 * process has still delivered everything it printed.
 */
export class GstLaunch {
  readonly commandLine: string;
  /** Settles when the process has exited. */
  readonly exited: Promise<GstExit>;
  private readonly child: ChildProcess;
  private readonly listeners: Array<(line: string) => void> = [];
  private readonly tailLines: string[] = [];
  private exit: GstExit | null = null;
  private readonly log: WriteStream | null;

  private constructor(tokens: readonly string[], options: GstLaunchOptions) {
    this.commandLine = printableCommand(tokens);
    this.log = options.logFile ? createWriteStream(options.logFile) : null;
    this.log?.write(`${this.commandLine}\n`);
    const env = { ...process.env, ...options.env };
    const argv = ['-oL', '-eL', 'gst-launch-1.0', '-e', '-v', ...tokens];
    this.child = spawn('stdbuf', argv, { env: { ...env, GST_DEBUG_NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    killOnExit(this.child);
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        pending += chunk;
        let newline = pending.indexOf('\n');
        while (newline >= 0) {
          this.line(pending.slice(0, newline));
          pending = pending.slice(newline + 1);
          newline = pending.indexOf('\n');
        }
      });
    }
    this.exited = new Promise<GstExit>((resolve) => {
      this.child.once('error', () => resolve((this.exit = { code: -1, signal: null })));
      this.child.once('exit', (code, signal) => resolve((this.exit = { code, signal })));
    });
    void this.exited.then(() => this.log?.end());
  }

  /** Spawns gst-launch-1.0 with `tokens` (see `pipelineTokens`). */
  static start(tokens: readonly string[], options: GstLaunchOptions = {}): GstLaunch {
    return new GstLaunch(tokens, options);
  }

  /** Calls `listener` with every line printed from now on (stdout and stderr). */
  onLine(listener: (line: string) => void): void {
    this.listeners.push(listener);
  }

  /** The last lines printed, shortened: what an error message shows. */
  tail(): string {
    return this.tailLines.join('\n');
  }

  /** True once the process has exited. */
  hasExited(): boolean {
    return this.exit !== null;
  }

  /**
   * Resolves with the first line from now on matching `pattern`; rejects when the process exits
   * or `timeoutMs` passes first, with the output's tail in the message.
   */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const listener = (line: string): void => {
        const match = pattern.exec(line);
        if (match) finish(null, match);
      };
      const finish = (error: Error | null, match?: RegExpExecArray): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.listeners.splice(this.listeners.indexOf(listener), 1);
        if (error) reject(error);
        else resolve(match!);
      };
      const timer = setTimeout(() => finish(new Error(`gst-launch-1.0 did not print ${pattern} within ${timeoutMs} ms; its output ends with:\n${this.tail()}`)), timeoutMs);
      this.listeners.push(listener);
      void this.exited.then((exit) => finish(new Error(`gst-launch-1.0 exited (code ${exit.code}, signal ${exit.signal}) before printing ${pattern}; its output ends with:\n${this.tail()}`)));
    });
  }

  /**
   * Ends the pipeline: SIGINT (EOS, because of -e), then SIGKILL after `graceMs` if it has not
   * exited (a pipeline can hang on EOS; the figures were printed already). Idempotent.
   */
  async stop(graceMs = 3000): Promise<GstExit> {
    if (this.exit) return this.exit;
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }

  private line(line: string): void {
    this.log?.write(`${line}\n`);
    this.tailLines.push(line.length > TAIL_LINE_CHARS ? `${line.slice(0, TAIL_LINE_CHARS)}...` : line);
    if (this.tailLines.length > TAIL_LINES) this.tailLines.shift();
    for (const listener of [...this.listeners]) listener(line); // a copy: waitForLine removes itself
  }
}
