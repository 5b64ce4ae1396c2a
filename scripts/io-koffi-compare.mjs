// koffi (an FFI package) calling libc's sendmmsg/recvmmsg directly: the measurement behind
// native/README.md's "N-API rather than koffi". Same conditions as scripts/io-microbench.ts
// (1200-byte packets, loopback, that script's sink and paced-sender children). koffi is not a
// dependency of avcm; this evaluation brings it in without recording it:
//   npm install --no-save koffi@3 && node scripts/io-koffi-compare.mjs [packets] [runs]
import koffi from 'koffi';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const worktree = fileURLToPath(new URL('..', import.meta.url));
const [packetsArg, runsArg] = process.argv.slice(2);
const PACKETS = Number(packetsArg ?? 200000);
const RUNS = Number(runsArg ?? 3);
const libc = koffi.load('libc.so.6');
const socket = libc.func('int socket(int, int, int)');
const bind = libc.func('int bind(int, void *, uint32_t)');
const connect = libc.func('int connect(int, void *, uint32_t)');
const getsockname = libc.func('int getsockname(int, void *, _Inout_ uint32_t *)');
const setsockopt = libc.func('int setsockopt(int, int, int, void *, uint32_t)');
const sendmmsg = libc.func('int sendmmsg(int, void *, uint32_t, int)');
const recvmmsg = libc.func('int recvmmsg(int, void *, uint32_t, int, void *)');
const close = libc.func('int close(int)');
const AF_INET = 2, SOCK_DGRAM = 2, SOCK_NONBLOCK = 0o4000, MSG_DONTWAIT = 0x40, SOL_SOCKET = 1, SO_RCVBUFFORCE = 33, SOL_UDP = 17, UDP_SEGMENT = 103;

function sockaddr(port) {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(AF_INET, 0); b.writeUInt16BE(port, 2); b.writeUInt32BE(0x7f000001, 4);
  return b;
}
/** Native memory JS can write through a view, and its address for building pointers. */
function nativeBytes(n) {
  const ptr = koffi.alloc('uint8_t', n);
  return { ptr, address: koffi.address(ptr), bytes: new Uint8Array(koffi.view(ptr, n)) };
}
/** mmsghdr[count] (64 bytes each) over iovec[count] (16 bytes) over slots of `slot` bytes. */
function messages(count, slot, withControl) {
  const msgs = nativeBytes(count * 64), iov = nativeBytes(count * 16), slab = nativeBytes(count * slot), names = nativeBytes(count * 16), control = nativeBytes(count * 24);
  const m = new DataView(msgs.bytes.buffer), v = new DataView(iov.bytes.buffer), c = new DataView(control.bytes.buffer);
  for (let i = 0; i < count; i++) {
    v.setBigUint64(i * 16, slab.address + BigInt(i * slot), true); v.setBigUint64(i * 16 + 8, BigInt(slot), true);
    m.setBigUint64(i * 64 + 16, iov.address + BigInt(i * 16), true); m.setBigUint64(i * 64 + 24, 1n, true);
    if (withControl) {
      m.setBigUint64(i * 64 + 32, control.address + BigInt(i * 24), true); m.setBigUint64(i * 64 + 40, 24n, true);
      c.setBigUint64(i * 24, 18n, true); c.setInt32(i * 24 + 8, SOL_UDP, true); c.setInt32(i * 24 + 12, UDP_SEGMENT, true); c.setUint16(i * 24 + 16, 1200, true);
    }
  }
  return { msgs, iov: v, slab, names, m };
}

function child(args) {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/io-microbench.ts', ...args], { cwd: worktree, stdio: ['pipe', 'pipe', 'inherit'] });
  return { proc, lines: createInterface({ input: proc.stdout })[Symbol.asyncIterator]() };
}
const next = async (lines) => (await lines.next()).value;
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function send(port, gso) {
  const fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (connect(fd, sockaddr(port), 16) !== 0) throw new Error('connect ' + koffi.errno());
  const batch = 32;
  const set = messages(batch, 1200, false);
  const header = Buffer.alloc(12), payload = Buffer.alloc(1188, 0x5a);
  if (gso) { // one message, one iovec over all 32 packets, UDP_SEGMENT 1200
    const c = nativeBytes(24), cv = new DataView(c.bytes.buffer);
    cv.setBigUint64(0, 18n, true); cv.setInt32(8, SOL_UDP, true); cv.setInt32(12, UDP_SEGMENT, true); cv.setUint16(16, 1200, true);
    set.iov.setBigUint64(8, BigInt(batch * 1200), true);
    set.m.setBigUint64(32, c.address, true); set.m.setBigUint64(40, 24n, true);
  }
  let errors = 0;
  const cpu0 = process.cpuUsage();
  for (let sent = 0; sent < PACKETS; ) {
    for (let f = 0; f < 16 && sent < PACKETS; f++) {
      for (let i = 0; i < batch; i++) { set.slab.bytes.set(header, i * 1200); set.slab.bytes.set(payload, i * 1200 + 12); }
      const r = sendmmsg(fd, set.msgs.ptr, gso ? 1 : batch, MSG_DONTWAIT);
      if (r < 0) errors++;
      sent += batch;
    }
    await new Promise((r) => setImmediate(r));
  }
  const cpu = process.cpuUsage(cpu0);
  close(fd);
  return { us: (cpu.user + cpu.system) / PACKETS, errors };
}

async function receive(rate) {
  const fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  const big = Buffer.alloc(4); big.writeInt32LE(64 << 20);
  setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, big, 4);
  bind(fd, sockaddr(0), 16);
  const addr = Buffer.alloc(16), len = [16];
  getsockname(fd, addr, len);
  const port = addr.readUInt16BE(2);
  const batch = 256, set = messages(batch, 2048, false);
  // No fd readiness from JS: poll with a 1 ms timer (busy polling would burn a core when idle).
  let received = 0, calls = 0, done = false;
  const poll = () => {
    for (;;) {
      for (let i = 0; i < batch; i++) set.m.setUint32(i * 64 + 56, 0, true);
      const r = recvmmsg(fd, set.msgs.ptr, batch, MSG_DONTWAIT, null);
      calls++;
      if (r <= 0) break;
      for (let i = 0; i < r; i++) received += set.m.getUint32(i * 64 + 56, true) > 0 ? 1 : 0;
      if (r < batch) break;
    }
    if (!done) setTimeout(poll, 1);
  };
  const cpu0 = process.cpuUsage();
  poll();
  const sender = child(['--role', 'paced-sender', '--port', String(port), '--packets', String(PACKETS), '--rate', String(rate)]);
  const line = await next(sender.lines);
  let last = -1;
  while (received < PACKETS && received !== last) { last = received; await new Promise((r) => setTimeout(r, 100)); }
  done = true;
  const cpu = process.cpuUsage(cpu0);
  close(fd);
  return { us: (cpu.user + cpu.system) / received, received, line, calls };
}

const sink = child(['--role', 'sink']);
const sinkPort = Number(await next(sink.lines));
for (const gso of [false, true]) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await send(sinkPort, gso));
  sink.proc.stdin.write('count\nreset\n');
  const counted = await next(sink.lines);
  console.log(`koffi ${gso ? 'GSO (32 segments)' : 'sendmmsg x32'} | ${median(runs.map((r) => r.us)).toFixed(2)} µs/packet | runs ${runs.map((r) => r.us.toFixed(2)).join(' ')} | errors ${runs.map((r) => r.errors).join(' ')} | sink received/drops ${counted}`);
}
sink.proc.stdin.write('quit\n');
await once(sink.proc, 'exit');
const runs = [];
for (let i = 0; i < RUNS; i++) runs.push(await receive(100000));
console.log(`koffi recvmmsg x256 (1 ms timer poll) at 100000/s | ${median(runs.map((r) => r.us)).toFixed(2)} µs/packet | runs ${runs.map((r) => r.us.toFixed(2)).join(' ')} | received ${runs.map((r) => r.received).join(' ')} | sender ${runs.at(-1).line}`);
