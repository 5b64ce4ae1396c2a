import dgram from 'node:dgram';
import { AvcmError } from '../errors/index.js';
import { DelayHistogram } from '../health/index.js';
import type { MediaLibrary } from '../media/index.js';
import type { Endpoint, Plan, PlannedParticipant, PlannedSpike } from '../plan/types.js';
import { absSendTimeFromMs } from '../rtp/index.js';
import type { Clock } from './clock.js';
import { emptyEngineStats, type EngineStats } from './engine-stats.js';
import { LatenessHistogram } from './lateness.js';

/**
 * The benchmark's naive baseline, built the way the original platform sends: one timer per
 * participant per medium, and every packet serialized afresh (new header, payload copied into a
 * new buffer) and sent on an unconnected socket. It exists only to be measured side by side with
 * the paced engine; it has no chaos stages.
 */
export class NaiveEngine {
  readonly participants: PlannedParticipant[];
  private readonly sockets: dgram.Socket[] = [];
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly stats: EngineStats;
  private readonly lateness = new LatenessHistogram();
  private readonly windowLateness = new DelayHistogram();
  private clock: Clock | null = null;
  private sendErrors = 0;

  private constructor(
    private readonly plan: Plan,
    partition: number,
    private readonly media: MediaLibrary,
    private readonly target: Endpoint,
    sockets: dgram.Socket[],
  ) {
    this.participants = plan.participants.filter((p) => p.partition === partition);
    this.sockets = sockets;
    this.stats = emptyEngineStats(partition, this.participants.length);
  }

  static async create(plan: Plan, partition: number, media: MediaLibrary, target: Endpoint): Promise<NaiveEngine> {
    if (plan.media.video?.simulcast) {
      throw new AvcmError('E_USAGE', 'the naive baseline engine sends one video stream per participant, not simulcast layers', { hint: 'run simulcast plans with the paced engine (the default)' });
    }
    const participants = plan.participants.filter((p) => p.partition === partition);
    const sockets = await Promise.all(
      participants.map(
        (p) =>
          new Promise<dgram.Socket>((resolve, reject) => {
            const socket = dgram.createSocket('udp4');
            socket.once('error', reject);
            socket.bind(p.port, () => resolve(socket));
          }),
      ),
    );
    return new NaiveEngine(plan, partition, media, target, sockets);
  }

  run(clock: Clock): Promise<void> {
    this.clock = clock;
    const { video, audio } = this.media;
    return new Promise((resolve) => {
      this.participants.forEach((participant, slot) => {
        const socket = this.sockets[slot];
        socket.on('error', () => this.sendErrors++);
        const startIn = Math.max(0, participant.startOffsetMs - clock.nowMs());
        if (video && participant.videoSsrc !== null) {
          const periodMs = 1000 / video.fps;
          let frame = 0;
          let seq = participant.videoSeqStart;
          this.timers.push(
            setTimeout(() => {
              const fire = (): void => {
                const latenessMs = clock.nowMs() - (participant.startOffsetMs + frame * periodMs);
                this.lateness.record(latenessMs);
                this.windowLateness.record(latenessMs);
                const media = video.frames[frame % video.frames.length];
                const ts = (participant.videoTsStart + frame * video.timestampStep) % 0x1_0000_0000;
                media.payloads.forEach((payload, i) => {
                  this.sendFresh(socket, this.plan.media.video!.payloadType, participant, participant.videoSsrc!, seq, ts, i === media.payloads.length - 1, payload);
                  seq = (seq + 1) & 0xffff;
                });
                frame++;
              };
              fire();
              this.timers.push(setInterval(fire, periodMs));
            }, startIn),
          );
        }
        if (audio && participant.audioSsrc !== null) {
          let frame = 0;
          let seq = participant.audioSeqStart;
          this.timers.push(
            setTimeout(() => {
              const fire = (): void => {
                const latenessMs = clock.nowMs() - (participant.startOffsetMs + frame * audio.ptimeMs);
                this.lateness.record(latenessMs);
                this.windowLateness.record(latenessMs);
                const ts = (participant.audioTsStart + frame * audio.timestampStep) % 0x1_0000_0000;
                this.sendFresh(socket, this.plan.media.audio!.payloadType, participant, participant.audioSsrc!, seq, ts, false, audio.frames[frame % audio.frames.length]);
                seq = (seq + 1) & 0xffff;
                frame++;
              };
              fire();
              this.timers.push(setInterval(fire, audio.ptimeMs));
            }, startIn),
          );
        }
      });
      this.timers.push(
        setTimeout(() => {
          this.stop();
          resolve();
        }, Math.max(0, this.plan.durationMs - clock.nowMs())),
      );
    });
  }

  /** A fresh 28-byte header (RFC 8285 layout) and a copy of the payload: one new buffer per packet. */
  private sendFresh(socket: dgram.Socket, payloadType: number, participant: PlannedParticipant, ssrc: number, seq: number, ts: number, marker: boolean, payload: Buffer): void {
    const header = Buffer.alloc(28);
    header[0] = 0x90;
    header[1] = (marker ? 0x80 : 0) | payloadType;
    header.writeUInt16BE(seq, 2);
    header.writeUInt32BE(ts, 4);
    header.writeUInt32BE(ssrc, 8);
    header.writeUInt16BE(0xbede, 12);
    header.writeUInt16BE(3, 14);
    header[16] = (this.plan.extensions.participantIdId << 4) | 3;
    header.writeUInt32BE(participant.id, 17);
    header[21] = (this.plan.extensions.absSendTimeId << 4) | 2;
    header.writeUIntBE(absSendTimeFromMs(Date.now()), 22, 3);
    const packet = Buffer.concat([header, payload]);
    socket.send(packet, this.target.port, this.target.host);
    if (this.stats.firstPacketMs === null) this.stats.firstPacketMs = this.clock!.nowMs();
    this.stats.packetsSent++;
    this.stats.bytesSent += packet.length;
  }

  injectSpike(_spike: PlannedSpike): void {
    // The baseline has no chaos stages; it is only ever run clean.
  }

  /** As `PartitionEngine.takeWindowLateness`. */
  takeWindowLateness(): { p99Ms: number | null; maxMs: number | null } {
    return this.windowLateness.take();
  }

  /** As `PartitionEngine.snapshot`: the lateness histogram's buckets in the final report only. */
  snapshot(final = false): EngineStats {
    return { ...this.stats, io: 'dgram', sendErrors: this.sendErrors, lateness: final ? this.lateness.toSparse() : { buckets: [], maxMs: this.lateness.maxMs } };
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.length = 0;
  }

  async close(): Promise<void> {
    this.stop();
    await Promise.all(this.sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.sockets.length = 0;
  }
}
