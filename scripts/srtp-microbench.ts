// CPU per packet of SRTP protect and unprotect, no I/O: avcm's native sessions (src/io
// SrtpSession: one N-API call per packet here; the batched path makes one per batch) against
// werift's JavaScript SrtpSession (what WebRTC participants used before the native path), both
// DTLS-SRTP profiles, 1200-byte RTP packets. Median of --runs runs.
//
//   npx tsx scripts/srtp-microbench.ts [--packets 100000] [--runs 3]
//
// For libsrtp2 against the same native code in C, see scripts/srtp-libsrtp-compare.sh.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { RtpPacket, SrtpSession as WeriftSrtpSession } from 'werift';
import { loadBatchedUdp, SRTP_PROFILES } from '../src/io/index.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const PACKETS = option('packets', 100_000);
const RUNS = option('runs', 3);
const PACKET_BYTES = 1200;

function packet(seq: number): Buffer {
  const p = Buffer.alloc(PACKET_BYTES);
  p[0] = 0x80;
  p[1] = 96;
  p.writeUInt16BE(seq & 0xffff, 2);
  p.writeUInt32BE(0x12345678, 8);
  for (let i = 12; i < PACKET_BYTES; i++) p[i] = (i * 7) & 0xff;
  return p;
}

function cpuUs(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / PACKETS;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

const load = loadBatchedUdp();
if (!load.available) {
  process.stderr.write(`batched UDP I/O unavailable: ${load.reason}\n`);
  process.exit(1);
}
const udp = load.udp;
process.stdout.write(`${PACKETS} packets of ${PACKET_BYTES} bytes, median of ${RUNS} runs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n\n`);
process.stdout.write('| profile | native protect | werift encrypt | native unprotect | werift decrypt |\n| --- | ---: | ---: | ---: | ---: |\n');
for (const [name, profile] of Object.entries(SRTP_PROFILES)) {
  const saltBytes = profile === SRTP_PROFILES.AEAD_AES_128_GCM ? 12 : 14;
  const figures: number[][] = [[], [], [], []];
  for (let run = 0; run < RUNS; run++) {
    const key = randomBytes(16);
    const salt = randomBytes(saltBytes);
    const keys = { profile, localKey: key, localSalt: salt, remoteKey: key, remoteSalt: salt };
    const native = udp.createSrtpSession(keys);
    const werift = new WeriftSrtpSession({ keys: { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: key, remoteMasterSalt: salt }, profile: profile as 1 | 7 });
    const plain = Array.from({ length: 64 }, (_, i) => packet(i));
    const room = Array.from({ length: 64 }, () => Buffer.alloc(PACKET_BYTES + 32));
    const lengths = new Int32Array(64);
    let seq = 0;
    // Protect then unprotect a rolling set of 64 packets (sequence numbers keep rising).
    let protectUs = 0;
    let unprotectUs = 0;
    for (let done = 0; done < PACKETS; done += 64) {
      for (let i = 0; i < 64; i++) {
        plain[i].writeUInt16BE((seq + i) & 0xffff, 2);
        plain[i].copy(room[i]);
      }
      const before = process.cpuUsage();
      for (let i = 0; i < 64; i++) lengths[i] = native.protect(room[i], PACKET_BYTES);
      const middle = process.cpuUsage();
      for (let i = 0; i < 64; i++) native.unprotect(room[i], lengths[i]);
      const after = process.cpuUsage();
      protectUs += middle.user - before.user + middle.system - before.system;
      unprotectUs += after.user - middle.user + after.system - middle.system;
      seq += 64;
    }
    figures[0].push(protectUs / PACKETS);
    figures[2].push(unprotectUs / PACKETS);
    const parsed = plain.map((p) => RtpPacket.deSerialize(p));
    const wire: Buffer[] = new Array(64);
    let weriftEncryptUs = 0;
    let weriftDecryptUs = 0;
    for (let done = 0; done < PACKETS; done += 64) {
      for (let i = 0; i < 64; i++) parsed[i].header.sequenceNumber = (seq + i) & 0xffff;
      weriftEncryptUs += cpuUs(() => {
        for (let i = 0; i < 64; i++) wire[i] = werift.encrypt(parsed[i].payload, parsed[i].header);
      }) * PACKETS;
      weriftDecryptUs += cpuUs(() => {
        for (let i = 0; i < 64; i++) werift.decrypt(wire[i]);
      }) * PACKETS;
      seq += 64;
    }
    figures[1].push(weriftEncryptUs / PACKETS);
    figures[3].push(weriftDecryptUs / PACKETS);
    if (native.counters().authFailures !== 0) throw new Error(`${name}: the native session refused its own packets`);
  }
  process.stdout.write(`| ${name} | ${figures.map((f) => median(f).toFixed(2)).join(' | ')} |\n`);
}
