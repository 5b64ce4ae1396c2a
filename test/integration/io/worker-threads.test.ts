import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { batchedUdp, waitFor } from './helpers.js';

const loader = fileURLToPath(new URL('./fixtures/tsx-worker.mjs', import.meta.url));
const module = pathToFileURL(fileURLToPath(new URL('./fixtures/udp-worker.ts', import.meta.url))).href;

function startWorker(packets: number, ending: 'close' | 'exit' | 'stay') {
  const worker = new Worker(loader, { workerData: { module, packets, ending } });
  const messages: { received: number; bytes: number; socketIds: number[] }[] = [];
  const errors: Error[] = [];
  worker.on('message', (m) => messages.push(m));
  worker.on('error', (e) => errors.push(e));
  const exited = once(worker, 'exit').then(([code]) => code as number);
  return { worker, messages, errors, exited };
}

describe('the addon in worker_threads (context-aware: one state per thread)', () => {
  it('works in two workers and the main thread at once, each with its own sockets', async () => {
    const udp = batchedUdp();
    const mainSocket = udp.openSocket({ bind: { host: '127.0.0.1' } });
    const workers = [startWorker(300, 'close'), startWorker(500, 'close')];
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(workers.flatMap((w) => w.errors)).toEqual([]);
    expect(codes).toEqual([0, 0]); // they end by themselves: closed sockets hold no loop handle
    expect(workers.map((w) => w.messages[0]?.received)).toEqual([300, 500]);
    expect(workers.map((w) => w.messages[0]?.bytes)).toEqual([300_000, 500_000]);
    // Ids are per thread: each worker numbered its own sockets from 1.
    expect(workers.map((w) => w.messages[0]?.socketIds)).toEqual([[1, 2], [1, 2]]);
    expect(mainSocket.closed).toBe(false);
    mainSocket.close();
  });

  it('a worker may exit while receiving, or be terminated: the addon releases its poll handles and the process lives on', async () => {
    const exiting = startWorker(100, 'exit');
    expect(await exiting.exited).toBe(0);
    expect(exiting.messages[0]?.received).toBe(100);

    const staying = startWorker(100, 'stay');
    await waitFor(() => staying.messages.length > 0);
    expect(staying.messages[0]?.received).toBe(100);
    await staying.worker.terminate();
    expect(await staying.exited).toBe(1); // terminate()'s code; an abort would have killed this process
    expect(staying.errors).toEqual([]);
  });
});
