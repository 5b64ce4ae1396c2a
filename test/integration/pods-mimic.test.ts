import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { selfCommand } from '../../src/backends/local/self-command.js';
import { compile } from '../../src/plan/index.js';
import { scenarioFromText } from '../../src/scenario/index.js';

/**
 * Three `avcm agent` processes started the way a StatefulSet starts its pods: the same plan file,
 * no --partition, only POD_NAME=orchestrator-K and the shared run start from the environment.
 * Together they must send every participant exactly once; a pod killed and started again rejoins
 * the run's frame grid (its RTP timestamps continue on the same 90 kHz grid).
 */
describe('a partitioned run across processes behaves like pods', () => {
  it('covers every participant exactly once and a restarted pod rejoins on the grid', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-pods-'));
    const sink = dgram.createSocket({ type: 'udp4', recvBufferSize: 16 << 20 });
    await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
    const scenario = scenarioFromText(`version: 1\nname: pods\nduration: 6s\nbackend: k8s\nparticipants: { count: 12, base_port: 0 }\ntarget: udp://127.0.0.1:${sink.address().port}\nscaling: { partitions: 3 }\n`, 'pods');
    const plan = compile(scenario, { partitions: 3 });
    const planFile = path.join(dir, 'plan.json');
    await writeFile(planFile, JSON.stringify(plan));
    const startEpochMs = Date.now() + 2_500;

    const sourcePortsById = new Map<number, Set<number>>();
    const videoTimestamps = new Map<number, number[]>();
    const rtcpSources = new Set<number>();
    sink.on('message', (b: Buffer, rinfo) => {
      // RTCP shares the 5-tuple (RFC 5761: second byte 192..223): the participants' sender reports.
      if (b[1] >= 192 && b[1] <= 223) {
        rtcpSources.add(rinfo.port);
        return;
      }
      const id = b.readUInt32BE(17);
      if (!sourcePortsById.has(id)) sourcePortsById.set(id, new Set());
      sourcePortsById.get(id)!.add(rinfo.port);
      if ((b[1] & 0x7f) === 96 && (b[1] & 0x80) !== 0) {
        if (!videoTimestamps.has(id)) videoTimestamps.set(id, []);
        videoTimestamps.get(id)!.push(b.readUInt32BE(4));
      }
    });

    const startPod = (k: number) => {
      const { command, args } = selfCommand(['agent', '--plan', planFile]);
      const child = spawn(command, args, { env: { ...process.env, POD_NAME: `orchestrator-${k}`, AVCM_RUN_START_EPOCH_MS: String(startEpochMs) }, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      return { child, exited, lines: () => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; partition?: number; participants?: number; lateJoinMs?: number }) };
    };
    const pods = [startPod(0), startPod(1), startPod(2)];
    // Kill pod 1 three seconds into the run and start it again, like a kubelet restart.
    await new Promise((r) => setTimeout(r, startEpochMs - Date.now() + 3_000));
    pods[1].child.kill('SIGKILL');
    await pods[1].exited;
    const restarted = startPod(1);
    const codes = await Promise.all([pods[0].exited, pods[2].exited, restarted.exited]);
    await new Promise((r) => setTimeout(r, 300));
    sink.close();
    expect(codes).toEqual([0, 0, 0]);

    const ready = [pods[0], pods[2], restarted].map((p) => p.lines().find((l) => l.type === 'ready')!);
    expect(ready.map((r) => r.partition).sort()).toEqual([0, 1, 2]);
    expect(ready.reduce((sum, r) => sum + r.participants!, 0)).toBe(12);
    // Every participant was heard, each from exactly one pod's socket (the restart opens a new one).
    expect([...sourcePortsById.keys()].sort((a, b) => a - b)).toEqual(plan.participants.map((p) => p.id));
    for (const p of plan.participants) {
      const ports = sourcePortsById.get(p.id)!;
      expect(ports.size, `participant ${p.id}`).toBe(p.partition === 1 ? 2 : 1);
    }
    // Every socket that sent media also sent RTCP sender reports on the same 5-tuple.
    for (const ports of sourcePortsById.values()) for (const port of ports) expect(rtcpSources.has(port), `RTCP from port ${port}`).toBe(true);
    const started = restarted.lines().find((l) => l.type === 'started')!;
    expect(started.lateJoinMs).toBeGreaterThan(2_500);
    // The rejoined participants' frames stay on the run's grid: every timestamp step is a multiple of 3000.
    for (const p of plan.participants.filter((x) => x.partition === 1)) {
      const ts = videoTimestamps.get(p.id)!;
      const offGrid = ts.slice(1).map((t, i) => (t - ts[i] + 2 ** 32) % 2 ** 32).filter((d) => d % 3000 !== 0);
      expect(offGrid, `participant ${p.id} steps`).toEqual([]);
      expect((ts.at(-1)! - p.videoTsStart + 2 ** 32) % 2 ** 32).toBeGreaterThan(150 * 3000);
    }
  }, 60_000);
});
