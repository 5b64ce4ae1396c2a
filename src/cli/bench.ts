import { writeAtomically } from '../../reporters/write-atomically.js';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { BenchFigures, BenchOptions } from '../bench/index.js';
import type { Deps } from './deps.js';
import { AvcmError } from '../errors/index.js';
import { chooseIo, ioFallbackNotice, ioRequest, type IoChoice, type IoPath } from '../io/index.js';
import { durationOption, integerOption, IO_OPTION_HELP, ioOption, partitionsOption, percentOption } from './options.js';

/** Participants per pass of `--sweep`: sent and measured, and send only (`--no-probe`, to 3000). */
const SWEEP = [100, 250, 500, 1000, 1500];
const SEND_ONLY_SWEEP = [100, 500, 1000, 1500, 2000, 3000];
const WEBRTC_SWEEP = [20, 50, 100, 200];

interface BenchCliOptions {
  participants: number;
  duration: number;
  partitions?: number;
  sweep?: boolean;
  baseline: boolean;
  feedback: boolean;
  simulcast?: boolean;
  json?: string;
  cpuProf?: string;
  hotPath?: boolean;
  runs: number;
  loss: number;
  io?: IoPath;
  probe: boolean;
  compareIo?: boolean;
  transport: 'udp' | 'webrtc';
  soak?: number;
}

function transportOption(value: string): 'udp' | 'webrtc' {
  if (value !== 'udp' && value !== 'webrtc') throw new InvalidArgumentError('expected udp or webrtc');
  return value;
}

/** How often `--soak` samples memory and event-loop delay, ms. */
const SOAK_INTERVAL_MS = 10_000;

/** `avcm bench`: the local engine against the probe on loopback, side by side with the naive baseline. */
export function registerBench(program: Command, deps: Deps, setExit: (code: number) => void): void {
  program
    .command('bench')
    .description('performance benchmark: engines -> probe over loopback, against a naive one-timer-per-participant baseline')
    .option('--participants <n>', 'participants to send', integerOption(1, 100_000), 100)
    .option('--duration <d>', 'how long each pass sends', durationOption, 10_000)
    .option('--partitions <n>', 'engine processes (default: the number of cores)', partitionsOption)
    .option('--sweep', `run ${SWEEP.join(', ')} participants (send only: ${SEND_ONLY_SWEEP.join(', ')}) and report the largest N meeting the targets`)
    .option('--no-probe', 'send only: the engines send to a counting sink instead of the probe (open loop; targets: achieved and lateness)')
    .option('--compare-io', 'run each pass on both UDP I/O paths (batched and dgram), side by side with the naive baseline')
    .option('--no-baseline', 'skip the naive baseline pass')
    .option('--no-feedback', 'run open loop: no RTCP from the participants, the probe only measures (as before the feedback loop)')
    .option('--simulcast', 'every participant sends the shipped three simulcast layers, each its own stream (no naive baseline: it sends one)')
    .option('--json <file>', 'write the figures as JSON')
    .option('--cpu-prof <dir>', 'write V8 CPU profiles of the engine processes into DIR')
    .option('--hot-path', "CPU per packet of avcm's own code without I/O: one engine partition into the probe in one process, in fake time, the feedback loop on vs off")
    .option('--runs <n>', '--hot-path: pairs of passes (on, off) whose medians are reported', integerOption(1, 50), 3)
    .option('--loss <percent>', '--hot-path: drop this % of packets between engine and probe (exercises NACK/RTX)', percentOption, 0)
    .option('--io <path>', IO_OPTION_HELP, ioOption)
    .option('--transport <kind>', "udp (plain RTP, default) or webrtc: WebRTC participants answered by the built-in WebRTC probe, their media on avcm's native SRTP path (--io batched) side by side with werift's media path (the baseline)", transportOption, 'udp')
    .option('--soak <d>', 'one long run (e.g. 10m) at --participants (default 100): RSS, heap and event-loop delay of engines and probe sampled every 10 s, with their slopes per minute', durationOption)
    .action(async (options: BenchCliOptions) => {
      const { defaultPartitions, meetsTargets, renderBenchTable, renderHotPathTable, renderSoak, runBench, runHotPathComparison, runSoak } = await import('../bench/index.js');
      const partitions = options.partitions ?? defaultPartitions();
      const log = (line: string): void => void deps.stderr.write(`${line}\n`);
      if (options.hotPath) {
        log(`avcm bench --hot-path: ${options.participants} participants, ${options.duration / 1000}s of media per pass, ${options.runs} x (feedback on, off), ${options.loss}% loss`);
        const summary = await runHotPathComparison({ participants: options.participants, mediaMs: options.duration, lossPercent: options.loss, runs: options.runs, log });
        deps.stdout.write(`\n${options.participants} participants, medians of ${options.runs} passes each (fake time, no I/O)\n${renderHotPathTable(summary)}`);
        if (options.json) await writeAtomically(path.resolve(deps.cwd, options.json), `${JSON.stringify(summary, null, 2)}\n`);
        setExit(0);
        return;
      }
      const io = chooseIo(ioRequest(options.io, deps.env), deps.env);
      const notice = ioFallbackNotice(io);
      if (notice !== null) log(notice);
      if (options.soak !== undefined) {
        log(`avcm bench --soak: ${options.participants} participants, ${partitions} partitions, ${options.soak / 1000}s, sampled every ${SOAK_INTERVAL_MS / 1000}s, ${io.path} I/O`);
        const soak = await runSoak({ participants: options.participants, durationMs: options.soak, partitions, intervalMs: SOAK_INTERVAL_MS, io, log });
        deps.stdout.write(renderSoak(soak));
        if (options.json) await writeAtomically(path.resolve(deps.cwd, options.json), `${JSON.stringify(soak, null, 2)}\n`);
        setExit(0);
        return;
      }
      const nodeArgs = options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(deps.cwd, options.cpuProf)}`] : undefined;
      if (options.transport === 'webrtc') {
        if (!options.probe || options.compareIo) throw new AvcmError('E_USAGE', '--transport webrtc: --no-probe and --compare-io are for plain RTP', { hint: 'the WebRTC participants need the built-in WebRTC probe to answer them; the webrtc pass already compares the native and werift media paths' });
        await webrtcBench(options, partitions, io, nodeArgs, deps, log, runBench, renderBenchTable);
        setExit(0);
        return;
      }
      const other = options.compareIo ? chooseIo(io.path === 'batched' ? 'dgram' : 'batched', deps.env) : null;
      const paths = other ? [io, other] : [io];
      const measured = options.probe;
      const pass = (participants: number, engine: 'paced' | 'naive', passIo: typeof io): Promise<BenchFigures> => {
        const loop = options.feedback && engine === 'paced' && measured ? 'feedback loop' : 'open loop';
        log(`avcm bench: ${engine} engine, ${participants} participants${options.simulcast ? ' (simulcast)' : ''}, ${partitions} partitions, ${options.duration / 1000}s, ${loop}, ${engine === 'naive' ? 'dgram' : passIo.path} I/O, ${measured ? 'probe' : 'counting sink'}`);
        return runBench({ participants, durationMs: options.duration, partitions, engine, feedback: options.feedback, simulcast: options.simulcast, probe: measured, nodeArgs, log, io: passIo });
      };
      const counts = options.sweep ? (measured ? SWEEP : SEND_ONLY_SWEEP) : [options.participants];
      const results: { paced: BenchFigures; otherIo: BenchFigures | null; naive: BenchFigures | null; meets: boolean }[] = [];
      for (const n of counts) {
        const [paced, otherIo = null] = [await pass(n, 'paced', io), ...(other ? [await pass(n, 'paced', other)] : [])];
        const naive = options.baseline && !options.simulcast ? await pass(n, 'naive', io) : null;
        const meets = meetsTargets(paced);
        results.push({ paced, otherIo, naive, meets });
        deps.stdout.write(`\n${n} participants, ${measured ? 'sent and measured' : 'send only'} (${meets ? 'meets' : 'misses'} the targets)\n`);
        const columns = [{ title: `avcm ${paced.io_engines ?? io.path}`, figures: paced }, ...(otherIo ? [{ title: `avcm ${otherIo.io_engines ?? other!.path}`, figures: otherIo }] : []), ...(naive ? [{ title: 'naive baseline', figures: naive }] : [])];
        deps.stdout.write(renderBenchTable(columns));
        if (naive && naive.achieved_packets_per_s > 0) {
          deps.stdout.write(`ratio avcm / naive: ${(paced.achieved_packets_per_s / naive.achieved_packets_per_s).toFixed(2)}x packets/s, CPU per packet ${naive.cpu_seconds_per_1k_packets && paced.cpu_seconds_per_1k_packets ? (naive.cpu_seconds_per_1k_packets / paced.cpu_seconds_per_1k_packets).toFixed(2) : '-'}x less\n`);
        }
      }
      const passing = results.filter((r) => r.meets).map((r) => r.paced.participants);
      const largest = passing.length > 0 ? Math.max(...passing) : null;
      const cores = defaultPartitions();
      const perCore = largest === null ? null : Math.round(largest / cores);
      if (options.sweep) {
        deps.stdout.write(`\nlargest N meeting every target (${measured ? 'sent and measured' : 'send only'}, ${paths[0].path} I/O): ${largest ?? 'none'}${perCore === null ? '' : ` = ${perCore} participants per core (${cores} cores)`}\n`);
      }
      if (options.json) {
        const headline = results.find((r) => r.paced.participants === largest) ?? results[results.length - 1];
        const document = {
          ...headline.paced,
          other_io: headline.otherIo,
          baseline: headline.naive,
          targets: measured
            ? { achieved_ratio: '>= 0.99', loss_percent: '< 0.1', lateness_p99_ms: '< 5', rss_mb_per_participant: '< 0.5', first_packet_ms: '< 1000' }
            : { achieved_ratio: '>= 0.99', lateness_p99_ms: '< 5' },
          meets_targets: headline.meets,
          ...(options.sweep ? { largest_participants_meeting_targets: largest, participants_per_core: perCore, cores, sweep: results } : {}),
        };
        await writeAtomically(path.resolve(deps.cwd, options.json), `${JSON.stringify(document, null, 2)}\n`);
      }
      setExit(0);
    });
}

/**
 * `avcm bench --transport webrtc`: WebRTC participants on the media path `--io` chose (batched:
 * avcm's native SRTP) and, unless `--no-baseline` or that path already is werift's, the same load
 * on werift's JavaScript media path (`--io dgram`), side by side.
 */
async function webrtcBench(
  options: BenchCliOptions,
  partitions: number,
  io: IoChoice,
  nodeArgs: string[] | undefined,
  deps: Deps,
  log: (line: string) => void,
  runBench: (options: BenchOptions) => Promise<BenchFigures>,
  renderBenchTable: (columns: { title: string; figures: BenchFigures }[]) => string,
): Promise<void> {
  const pass = (participants: number, passIo: IoChoice): Promise<BenchFigures> => {
    log(`avcm bench: webrtc, ${participants} participants, ${partitions} partitions, ${options.duration / 1000}s, ${options.feedback ? 'feedback loop' : 'open loop'}, media on ${passIo.path === 'batched' ? 'the native path' : "werift's path"}`);
    return runBench({ participants, durationMs: options.duration, partitions, engine: 'paced', feedback: options.feedback, simulcast: options.simulcast, nodeArgs, log, io: passIo, transport: 'webrtc' });
  };
  const counts = options.sweep ? WEBRTC_SWEEP : [options.participants];
  const results: { native: BenchFigures | null; werift: BenchFigures | null }[] = [];
  for (const n of counts) {
    const native = io.path === 'batched' ? await pass(n, io) : null;
    const werift = io.path === 'dgram' || options.baseline ? await pass(n, { path: 'dgram', fallbackReason: null }) : null;
    results.push({ native, werift });
    const columns = [...(native ? [{ title: 'native media', figures: native }] : []), ...(werift ? [{ title: 'werift media', figures: werift }] : [])];
    deps.stdout.write(`\n${n} WebRTC participants\n${renderBenchTable(columns)}`);
    if (native?.participants_per_core && werift?.participants_per_core) {
      deps.stdout.write(`ratio native / werift: ${(native.participants_per_core / werift.participants_per_core).toFixed(2)}x participants per core\n`);
    }
  }
  if (options.json) await writeAtomically(path.resolve(deps.cwd, options.json), `${JSON.stringify(options.sweep ? { sweep: results } : results[0], null, 2)}\n`);
}
