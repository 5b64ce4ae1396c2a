import { describe, expect, it } from 'vitest';
import type { EngineIo } from '../../../src/engine/engine-io.js';
import { PartitionEngine } from '../../../src/engine/index.js';
import type { FeedbackHandler, ParticipantTransport } from '../../../src/engine/transport.js';
import { loadMediaLibrary } from '../../../src/media/index.js';
import { writeNack, writeReceiverReport } from '../../../src/rtcp/index.js';
import { planOf } from '../../helpers/results.js';

// The engine's flush hook: batched transports only queue, so the engine must hand the queue to
// the kernel once at the end of every tick and right after feedback that made it retransmit.

type Entry = { kind: 'send'; slot: number; seq: number } | { kind: 'flush' };

async function engineWithLog() {
  const { plan } = planOf('duration: 2s\nparticipants: { count: 2, base_port: 0 }\n');
  const media = await loadMediaLibrary(plan.media, { baseDir: process.cwd() });
  const log: Entry[] = [];
  const handlers: FeedbackHandler[] = [];
  const io: EngineIo = { path: 'batched', flush: () => void log.push({ kind: 'flush' }), wouldBlock: 0, sendDropped: 0 };
  let slots = 0;
  const engine = await PartitionEngine.create({
    plan,
    partition: 0,
    media,
    io,
    openTransport: async () => {
      const slot = slots++;
      const transport: ParticipantTransport = {
        send: (header) => void log.push({ kind: 'send', slot, seq: header.readUInt16BE(2) }),
        onFeedback: (handler) => void (handlers[slot] = handler),
        errors: 0,
        queueBusy: 0,
        close: async () => undefined,
      };
      return transport;
    },
  });
  // A clock far before the run start: `run` arms one distant timer and the test drives `tick` itself.
  let nowMs = -1e6;
  void engine.run({ nowMs: () => nowMs, epochMs: () => 1_700_000_000_000 + nowMs });
  const tick = (at: number): void => {
    nowMs = at;
    engine.tick(at, 1_700_000_000_000 + at);
  };
  return { plan, engine, log, handlers, tick };
}

describe('PartitionEngine with a batched I/O layer', () => {
  it('flushes once at the end of each tick, after every packet of the tick', async () => {
    const { engine, log, tick } = await engineWithLog();
    try {
      tick(0);
      expect(log.length).toBeGreaterThan(2);
      expect(log.at(-1)).toEqual({ kind: 'flush' });
      expect(log.filter((e) => e.kind === 'flush')).toHaveLength(1);
      const before = log.length;
      tick(40);
      const second = log.slice(before);
      expect(second.at(-1)).toEqual({ kind: 'flush' });
      expect(second.filter((e) => e.kind === 'flush')).toHaveLength(1);
      expect(second.filter((e) => e.kind === 'send').length).toBeGreaterThan(0);
      expect(engine.snapshot()).toMatchObject({ io: 'batched', wouldBlock: 0, sendDropped: 0 });
    } finally {
      await engine.close();
    }
  });

  it('flushes right after feedback that retransmitted, not at the next tick', async () => {
    const { plan, engine, log, handlers, tick } = await engineWithLog();
    try {
      tick(0);
      const participant = plan.participants[0];
      const firstVideo = log.find((e) => e.kind === 'send' && e.slot === 0 && e.seq === participant.videoSeqStart);
      expect(firstVideo).toBeDefined();
      const nack = new Uint8Array(64);
      let length = writeReceiverReport(nack, 0, 0xabcd, [], 0);
      length = writeNack(nack, length, 0xabcd, participant.videoSsrc!, [participant.videoSeqStart], 1);
      const before = log.length;
      handlers[0](nack, length);
      const answered = log.slice(before);
      // The retransmission (RTX by default), then the flush that sends it.
      expect(answered.filter((e) => e.kind === 'send').map((e) => (e as { slot: number }).slot)).toEqual([0]);
      expect(answered.at(-1)).toEqual({ kind: 'flush' });
    } finally {
      await engine.close();
    }
  });
});
