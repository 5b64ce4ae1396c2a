import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { writeAtomically } from '../../reporters/write-atomically.js';
import { AvcmError } from '../errors/index.js';
import { compile } from '../plan/index.js';
import type { SenderTotals } from '../result/types.js';
import { applyOverrides } from '../runner/apply-overrides.js';
import type { UdpUrl } from '../scenario/index.js';
import type { SenderStreamReport } from '../session/index.js';
import { senderTotals } from '../verdict/index.js';
import type { Deps } from './deps.js';
import { chooseIo, ioFallbackNotice, ioRequest, type IoPath } from '../io/index.js';
import { durationOption, integerOption, IO_OPTION_HELP, ioOption, partitionsOption, seedOption, udpUrlOption } from './options.js';

/** `avcm send FILE --target udp://HOST:PORT`: participants only, to drive an external system; no probe, no verdict. */
export function registerSend(program: Command, deps: Deps, setExit: (code: number) => void): void {
  program
    .command('send')
    .description("run the scenario's participants (media + spikes) against a target, without probe or assertions")
    .argument('<file>', 'scenario file')
    .option('--target <url>', 'udp://HOST:PORT to send to (default: the scenario target)', udpUrlOption)
    .option('--participants <n>', 'override the participant count', integerOption(1, 100_000))
    .option('--duration <d>', 'override the run duration (e.g. 30s)', durationOption)
    .option('--seed <n>', 'seed for every random choice', seedOption)
    .option('--partitions <n>', 'engine processes (default: the number of cores)', partitionsOption)
    .option('--quiet', 'only the final totals')
    .option('--io <path>', IO_OPTION_HELP, ioOption)
    .option('--json <file>', "write the final totals and each stream's feedback figures (round trip from the target's receiver reports, NACKs, PLIs/FIRs answered) as JSON")
    .action(async (file: string, options: { target?: UdpUrl; participants?: number; duration?: number; seed?: number; partitions?: number; quiet?: boolean; json?: string; io?: IoPath }) => {
      const { loadScenario } = await import('../scenario/index.js');
      const scenario = applyOverrides(await loadScenario(file, {}, deps.cwd), {
        target: options.target,
        participants: options.participants,
        durationMs: options.duration,
        partitions: options.partitions,
        backend: 'local',
      });
      if (!scenario.target) throw new AvcmError('E_USAGE', `${file} has no target`, { hint: 'pass --target udp://HOST:PORT (where the system under test listens)' });
      const plan = compile(scenario, { seed: options.seed, partitions: options.partitions, cores: os.availableParallelism() });
      const [{ LocalBackend }, { prepareMediaFiles }] = await Promise.all([import('../backends/index.js'), import('../media/index.js')]);
      const baseDir = path.dirname(path.resolve(deps.cwd, file));
      await prepareMediaFiles(plan.media, { baseDir, env: deps.env });
      // Resolved once here, so a fallback is said once, not by every partition.
      const io = chooseIo(ioRequest(options.io, deps.env), deps.env);
      const notice = ioFallbackNotice(io);
      if (notice !== null) deps.stderr.write(`${notice}\n`);
      const abort = new AbortController();
      const handle = await new LocalBackend({ baseDir, env: deps.env }).launch(plan, {
        target: plan.target!,
        signal: abort.signal,
        log: (line) => deps.stderr.write(`${line}\n`),
        io: io.path,
      });
      const startEpochMs = Date.now() + 300;
      handle.start(startEpochMs);
      deps.stderr.write(`avcm: sending ${plan.participants.length} participants in ${plan.partitions} partitions to udp://${plan.target!.host}:${plan.target!.port} for ${plan.durationMs / 1000}s (${io.path} I/O)\n`);
      let last = { t: startEpochMs, packets: 0 };
      const timer = setInterval(() => {
        if (options.quiet) return;
        const totals = handle.totals();
        const now = Date.now();
        const rate = ((totals.packetsSent - last.packets) * 1000) / Math.max(1, now - last.t);
        last = { t: now, packets: totals.packetsSent };
        deps.stderr.write(
          `  ${((now - startEpochMs) / 1000).toFixed(0).padStart(4)}s  ${totals.packetsSent} packets  ${Math.round(rate)} pkt/s  ${(totals.bytesSent / 1e6).toFixed(1)} MB  ${totals.sendErrors} send errors  ${totals.packetsDropped} dropped by spikes\n`,
        );
      }, 2_000);
      let interrupted: 'SIGINT' | 'SIGTERM' | null = null;
      const unsubscribe = deps.onInterrupt((signal) => {
        interrupted = signal;
        void handle.stop();
      });
      try {
        await handle.finished();
      } catch (error) {
        if (!interrupted) throw error;
      } finally {
        clearInterval(timer);
        unsubscribe();
        await handle.stop();
      }
      const totals = handle.totals();
      const summary = { participants: plan.participants.length, partitions: plan.partitions, packetsSent: totals.packetsSent, bytesSent: totals.bytesSent, sendErrors: totals.sendErrors, packetsDroppedBySpikes: totals.packetsDropped, delayLineOverflows: totals.delayLineOverflows, io: totals.io, wouldBlock: totals.wouldBlock, sendDropped: totals.sendDropped };
      deps.stdout.write(`${JSON.stringify(summary)}\n`);
      // Without a probe the senders' sessions are all avcm measures of the external system: what its receiver reports and feedback said.
      if (options.json) await writeAtomically(path.resolve(deps.cwd, options.json), `${JSON.stringify({ ...summary, senders: totals.senders.map(sendingStream) }, null, 2)}\n`);
      setExit(interrupted === 'SIGTERM' ? 143 : interrupted === 'SIGINT' ? 130 : 0);
    });
}

/** One sending stream in `avcm send --json`: a run result's `streams[].sender` figures plus the RTCP counts behind them. */
export interface SendingStreamSummary extends SenderTotals {
  participantId: number;
  media: 'video' | 'audio';
  ssrc: number;
  rtxSsrc: number | null;
  /** Largest round-trip sample, ms (0 without one). */
  rttMsMax: number;
  reportsSent: number;
  reportBlocksReceived: number;
  /** Mean fraction lost of the receiver's report blocks about this stream, percent; null without blocks. */
  remoteLossPercent: number | null;
  retransmissionsMissed: number;
}

function sendingStream(report: SenderStreamReport): SendingStreamSummary {
  const t = report.totals;
  return {
    participantId: report.participantId,
    media: report.media,
    ssrc: report.ssrc,
    rtxSsrc: report.rtxSsrc,
    ...senderTotals(report),
    rttMsMax: Math.round(t.rttMsMax * 100) / 100,
    reportsSent: t.reportsSent,
    reportBlocksReceived: t.reportBlocksReceived,
    remoteLossPercent: t.reportBlocksReceived > 0 ? Math.round((100 * t.remoteLossPercentSum) / t.reportBlocksReceived) / 100 : null,
    retransmissionsMissed: t.retransmissionsMissed,
  };
}
