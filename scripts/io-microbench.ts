// CPU per packet of the UDP I/O paths on loopback: node:dgram against avcm's batched addon
// (src/io). Prints µs of process CPU (process.cpuUsage: user + system, so the kernel's loopback
// work done in our system calls counts too) per 1200-byte packet, median of --runs runs.
//
//   npx tsx scripts/io-microbench.ts [--packets 200000] [--runs 3] [--rate 100000] [--only send|receive]
//
// Send cases: this process sends as fast as it can to a sink in a child process (which drains
// the socket with the addon, so its own CPU is not counted here). Receive cases: a child sends
// at --rate packets/s (GSO, paced) and this process receives and counts. Bounded: every case
// moves --packets packets and gives up after 60 s.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { loadBatchedUdp, type BatchedUdp, type BatchedUdpSocket } from '../src/io/index.js';

const PACKET_BYTES = 1200;
const HEADER_BYTES = 12;
const CASE_TIMEOUT_MS = 60_000;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

function loadUdp(): BatchedUdp {
  const load = loadBatchedUdp();
  if (!load.available) {
    process.stderr.write(`batched UDP I/O unavailable: ${load.reason}\n`);
    process.exit(1);
  }
  return load.udp;
}

// ---------------------------------------------------------------- child roles

/** Drains a socket with the addon; prints its port, then `received drops` when stdin says so. */
function runSink(): void {
  const udp = loadUdp();
  const socket = udp.openSocket({ bind: { host: '127.0.0.1' }, receiveBufferBytes: 64 << 20 });
  const batch = udp.createReceiveBatch({ capacity: 512 });
  let received = 0;
  socket.startReceiving(batch, (count) => (received += count));
  process.stdout.write(`${socket.local.port}\n`);
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'count') process.stdout.write(`${received} ${socket.counters().kernelDrops}\n`);
    if (line === 'reset') received = 0;
    if (line === 'quit') process.exit(0);
  });
}

/** Sends `count` packets to `port` at `rate` packets/s in GSO runs of 10, then exits. */
function runPacedSender(port: number, count: number, rate: number): void {
  const udp = loadUdp();
  const socket = udp.openSocket({ connect: { host: '127.0.0.1', port }, sendBufferBytes: 16 << 20 });
  const batch = udp.createSendBatch({ capacity: 1024 });
  const header = Buffer.alloc(HEADER_BYTES);
  const payload = Buffer.alloc(PACKET_BYTES - HEADER_BYTES, 0x5a);
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const start = performance.now();
  let sent = 0;
  while (sent < count) {
    const due = Math.min(count, Math.floor(((performance.now() - start) * rate) / 1000));
    while (sent < due) {
      if (!batch.push(socket, header, HEADER_BYTES, payload)) batch.flush();
      else sent++;
    }
    batch.flush();
    Atomics.wait(nap, 0, 0, 0.2);
  }
  process.stdout.write(`${batch.totals.packetsSent} ${batch.totals.packetsDropped}\n`);
  socket.close();
}

// ---------------------------------------------------------------- measuring

interface Figure {
  cpuMicrosPerPacket: number;
  packets: number;
  wallMs: number;
  note: string;
}

async function measure(packets: number, body: () => Promise<number>, note: () => string = () => ''): Promise<Figure> {
  const wallStart = performance.now();
  const cpuStart = process.cpuUsage();
  const counted = await body();
  const cpu = process.cpuUsage(cpuStart);
  const wallMs = performance.now() - wallStart;
  return { cpuMicrosPerPacket: (cpu.user + cpu.system) / counted, packets: counted, wallMs, note: note() };
}

const self = fileURLToPath(import.meta.url);

function child(args: string[]): { process: ChildProcess; lines: AsyncIterator<string> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', self, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  return { process: proc, lines };
}

async function nextLine(lines: AsyncIterator<string>): Promise<string> {
  const next = await lines.next();
  if (next.done) throw new Error('child ended early');
  return next.value;
}

interface Sink {
  port: number;
  /** Packets received since the last call, and the sink socket's kernel drops so far. */
  count(): Promise<{ received: number; drops: number }>;
  close(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const { process: proc, lines } = child(['--role', 'sink']);
  const port = Number(await nextLine(lines));
  return {
    port,
    async count() {
      proc.stdin!.write('count\nreset\n');
      const [received, drops] = (await nextLine(lines)).split(' ').map(Number);
      return { received, drops };
    },
    async close() {
      proc.stdin!.write('quit\n');
      await once(proc, 'exit');
    },
  };
}

/** Sends `packets` 1200-byte packets with node:dgram as the engine does today: send([header, payload]) on a connected socket. */
async function dgramSend(sink: Sink, packets: number): Promise<Figure> {
  const socket = dgram.createSocket({ type: 'udp4', sendBufferSize: 16 << 20 });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => socket.connect(sink.port, '127.0.0.1', resolve));
  const header = Buffer.alloc(HEADER_BYTES);
  const payload = Buffer.alloc(PACKET_BYTES - HEADER_BYTES, 0x5a);
  const list = [header, payload];
  const figure = await measure(packets, async () => {
    for (let sent = 0; sent < packets; ) {
      for (let i = 0; i < 1024 && sent < packets; i++, sent++) socket.send(list);
      await new Promise((r) => setImmediate(r));
    }
    return packets;
  });
  socket.close();
  return figure;
}

/** Sends with the addon: `sockets` connected sockets, `runs` = packet sizes of consecutive same-socket packets. */
async function batchedSend(udp: BatchedUdp, sink: Sink, packets: number, options: { gso: boolean; sockets: number; flushEvery: number; runs: number[][] }): Promise<Figure> {
  const sockets: BatchedUdpSocket[] = Array.from({ length: options.sockets }, () =>
    udp.openSocket({ connect: { host: '127.0.0.1', port: sink.port }, gso: options.gso, sendBufferBytes: 4 << 20 }),
  );
  const batch = udp.createSendBatch({ capacity: options.flushEvery });
  const header = Buffer.alloc(HEADER_BYTES);
  const payloads = new Map<number, Buffer>();
  for (const size of options.runs.flat()) payloads.set(size, Buffer.alloc(size - HEADER_BYTES, 0x5a));
  const figure = await measure(
    packets,
    async () => {
      let sent = 0;
      let socketIndex = 0;
      let runIndex = 0;
      while (sent < packets) {
        for (let chunk = 0; chunk < 16 && sent < packets; chunk++) {
          // Fill one batch with whole runs (a run never straddles two flushes, as in a pacer tick).
          while (sent < packets) {
            const run = options.runs[runIndex];
            if (batch.length + run.length > batch.capacity) break;
            const socket = sockets[socketIndex];
            for (const size of run) batch.push(socket, header, HEADER_BYTES, payloads.get(size)!);
            sent += run.length;
            runIndex = (runIndex + 1) % options.runs.length;
            socketIndex = (socketIndex + 1) % sockets.length;
          }
          batch.flush();
        }
        await new Promise((r) => setImmediate(r));
      }
      return batch.totals.packetsSent;
    },
    () => `gso datagrams ${batch.totals.gsoDatagrams}, send calls ${batch.totals.sendCalls}, dropped ${batch.totals.packetsDropped}`,
  );
  for (const socket of sockets) socket.close();
  return figure;
}

/** Receives `packets` paced at `rate`/s from a child, with node:dgram or the addon. */
async function receive(udp: BatchedUdp, packets: number, rate: number, how: 'dgram' | 'batched'): Promise<Figure> {
  let received = 0;
  let port: number;
  let stop: () => number;
  if (how === 'dgram') {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 64 << 20 });
    socket.on('message', (message) => {
      received += message.length > 0 ? 1 : 0;
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    port = socket.address().port;
    stop = () => {
      socket.close();
      return 0;
    };
  } else {
    const socket = udp.openSocket({ bind: { host: '127.0.0.1' }, receiveBufferBytes: 64 << 20 });
    const batch = udp.createReceiveBatch({ capacity: 256 });
    socket.startReceiving(batch, (count) => {
      for (let i = 0; i < count; i++) received += batch.length[i] > 0 ? 1 : 0;
    });
    port = socket.local.port;
    stop = () => {
      const drops = socket.counters().kernelDrops;
      socket.close();
      return drops;
    };
  }
  let senderLine = '';
  let drops = 0;
  const figure = await measure(
    packets,
    async () => {
      const sender = child(['--role', 'paced-sender', '--port', String(port), '--packets', String(packets), '--rate', String(rate)]);
      senderLine = await nextLine(sender.lines);
      const deadline = Date.now() + CASE_TIMEOUT_MS;
      // The sender is done; wait until everything queued is read (or nothing more comes).
      let last = -1;
      while (received < packets && Date.now() < deadline && received !== last) {
        last = received;
        await new Promise((r) => setTimeout(r, 100));
      }
      return received;
    },
    () => `sender sent/dropped ${senderLine}, received ${received}, kernel drops ${drops}`,
  );
  drops = stop();
  figure.note = `sender sent/dropped ${senderLine}, received ${received}${how === 'batched' ? `, kernel drops ${drops}` : ''}`;
  return figure;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const packets = option('packets', 200_000);
  const runs = option('runs', 3);
  const rate = option('rate', 100_000);
  const udp = loadUdp();
  // One participant of the shipped clip per second: 30 video frames of ~10.7 packets (1200 bytes,
  // a shorter last one) and 50 Opus packets; in runs as a pacer emits them, 3 video : 5 audio.
  const video = [...Array(10).fill(1200), 700];
  const audio = [172];
  const engineMix = [video, audio, audio, video, audio, video, audio, audio];
  const single32 = [Array(32).fill(1200)];
  const cases: [string, (sink: Sink) => Promise<Figure>][] = [
    ['dgram send (connected, [header, payload])', (sink) => dgramSend(sink, packets)],
    ['batched sendmmsg (1 socket, 32 per flush)', (sink) => batchedSend(udp, sink, packets, { gso: false, sockets: 1, flushEvery: 32, runs: single32 })],
    ['batched GSO (1 socket, 32 per flush)', (sink) => batchedSend(udp, sink, packets, { gso: true, sockets: 1, flushEvery: 32, runs: single32 })],
    ['batched sendmmsg (engine mix, 200 sockets)', (sink) => batchedSend(udp, sink, packets, { gso: false, sockets: 200, flushEvery: 1024, runs: engineMix })],
    ['batched GSO (engine mix, 200 sockets)', (sink) => batchedSend(udp, sink, packets, { gso: true, sockets: 200, flushEvery: 1024, runs: engineMix })],
  ];
  console.log(`${packets} packets per run, ${runs} runs, loopback; binary ${udp.binaryPath}`);
  console.log('case | CPU µs/packet (median) | runs | wall ms (median) | last run');
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : 'all';
  const sink = await startSink();
  for (const [name, run] of only === 'receive' ? [] : cases) {
    const figures: Figure[] = [];
    for (let i = 0; i < runs; i++) {
      figures.push(await run(sink));
      const { received, drops } = await sink.count();
      figures[i].note += `${figures[i].note ? ', ' : ''}sink received ${received} (kernel drops so far ${drops})`;
    }
    report(name, figures);
  }
  await sink.close();
  for (const how of only === 'send' ? [] : (['dgram', 'batched'] as const)) {
    const figures: Figure[] = [];
    for (let i = 0; i < runs; i++) figures.push(await receive(udp, packets, rate, how));
    report(how === 'dgram' ? `dgram receive ('message' per datagram) at ${rate}/s` : `batched recvmmsg (256 per batch) at ${rate}/s`, figures);
  }
}

function report(name: string, figures: Figure[]): void {
  const cpu = figures.map((f) => f.cpuMicrosPerPacket);
  console.log(
    `${name} | ${median(cpu).toFixed(2)} | ${cpu.map((c) => c.toFixed(2)).join(' ')} | ${median(figures.map((f) => f.wallMs)).toFixed(0)} | ${figures.at(-1)!.note}`,
  );
}

const role = process.argv.includes('--role') ? process.argv[process.argv.indexOf('--role') + 1] : 'main';
if (role === 'sink') runSink();
else if (role === 'paced-sender') runPacedSender(option('port', 0), option('packets', 200_000), option('rate', 100_000));
else await main();
