import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { composeFiles, composeProject, demuxLogs, dockerEndpoint, engineContainers, probeContainer } from '../../../src/backends/docker/index.js';
import { fitProbeReport } from '../../../src/backends/docker/fit-windows.js';
import { compile, partitionsShareHost } from '../../../src/plan/index.js';
import type { ProbeReport, WindowStats } from '../../../src/probe/types.js';
import { semanticProblems } from '../../../src/scenario/semantic.js';
import { scenarioFromText } from '../../../src/scenario/index.js';

const plan = (extra = '') => compile(scenarioFromText(`version: 1\nname: c\nduration: 10s\nbackend: docker\nparticipants: { count: 6, base_port: 20000 }\n${extra}`, 'c'), { partitions: 3 });

describe('docker run containers: host network, one source for the backend and compose', () => {
  it('engines run `avcm agent` per partition with the plan mounted, stdin kept open, sending to the probe on loopback', () => {
    const engines = engineContainers(plan(), { image: 'avcm:t', target: { host: '127.0.0.1', port: 41000 }, startEpochMs: 1_800_000_000_000, metrics: true });
    expect(engines.map((e) => e.service)).toEqual(['orchestrator-0', 'orchestrator-1', 'orchestrator-2']);
    expect(engines[2].command).toEqual(['agent', '--plan', '/etc/avcm/plan.json', '--target', 'udp://127.0.0.1:41000', '--metrics-port', '9466']);
    expect(engines[2].env).toMatchObject({ PARTITION_ID: '2', AVCM_RUN_START_EPOCH_MS: '1800000000000' });
    expect(engines[2].openStdin).toBe(true);
    expect(engines[2].restart).toBe('on-failure');
    expect(engines[2].mounts).toEqual([{ source: 'plan.json', target: '/etc/avcm/plan.json' }]);
  });

  it('a chosen UDP I/O path goes to every engine and the probe as `--io`; without one each container decides', () => {
    const target = { host: '127.0.0.1', port: 41000 };
    for (const engine of engineContainers(plan(), { image: 'avcm:t', target, metrics: false, io: 'batched' })) expect(engine.command.slice(-2)).toEqual(['--io', 'batched']);
    expect(probeContainer(plan(), { image: 'avcm:t', listen: target, io: 'dgram' }).command.slice(-2)).toEqual(['--io', 'dgram']);
    expect(engineContainers(plan(), { image: 'avcm:t', target, metrics: false, io: 'auto' })[0].command).not.toContain('--io');
    expect(probeContainer(plan(), { image: 'avcm:t', listen: target }).command).not.toContain('--io');
  });

  it('the probe never restarts, measures from the shared start and 2 s past the run, and prints its report on stdout', () => {
    const probe = probeContainer(plan(), { image: 'avcm:t', listen: { host: '127.0.0.1', port: 41000 }, startEpochMs: 1_800_000_000_000 });
    expect(probe.command).toEqual(['receive', '--listen', 'udp://127.0.0.1:41000', '--start-at', '1800000000000', '--duration', '12s', '--json', '-', '--quiet']);
    expect(probe.restart).toBe('no');
  });

  it('probe.shards above 1 becomes `avcm receive --shards N` (one receiver stays the default)', () => {
    const listen = { host: '127.0.0.1', port: 41000 };
    expect(probeContainer(plan('probe: { shards: 2 }\n'), { image: 'avcm:t', listen }).command.slice(-2)).toEqual(['--shards', '2']);
    expect(probeContainer(plan(), { image: 'avcm:t', listen }).command).not.toContain('--shards');
  });

  it('the compose project uses the host network everywhere, publishes no ports, and sends to the probe on 127.0.0.1:5002', () => {
    const project = composeProject(plan(), { image: 'avcm:t' }) as { services: Record<string, Record<string, unknown>> };
    for (const [name, service] of Object.entries(project.services)) {
      expect(service.network_mode, name).toBe('host');
      expect(service.ports, name).toBeUndefined();
    }
    expect(project.services['orchestrator-1'].command).toContain('udp://127.0.0.1:5002');
    expect(project.services['orchestrator-1'].stdin_open).toBe(true);
    expect(project.services.probe.command).toEqual(expect.arrayContaining(['--listen', 'udp://127.0.0.1:5002']));
    expect(project.services.grafana.environment).toMatchObject({ GF_SECURITY_ADMIN_PASSWORD: '${AVCM_GRAFANA_PASSWORD:?set AVCM_GRAFANA_PASSWORD}', GF_SERVER_HTTP_ADDR: '127.0.0.1' });
  });

  it('compose.yaml reads the same in Compose v1 (YAML 1.1, no top-level name) and v2: restart "no" stays a string', () => {
    const text = composeFiles(plan(), { image: 'avcm:t' })[0].text;
    const asV1 = parse(text, { version: '1.1' }) as { name?: string; services: Record<string, { restart: unknown }> };
    expect(asV1.name).toBeUndefined();
    expect(asV1.services.probe.restart).toBe('no');
    expect(text).toContain('docker compose -p avcm-c -f compose.yaml');
  });

  it("a scenario's target is where engines send; a loopback target is where the probe listens", () => {
    const project = composeProject(plan('target: udp://127.0.0.1:6000\n'), { image: 'avcm:t' }) as { services: Record<string, Record<string, unknown>> };
    expect(project.services['orchestrator-0'].command).toContain('udp://127.0.0.1:6000');
    expect(project.services.probe.command).toContain('udp://127.0.0.1:6000');
    expect(project.services['orchestrator-0'].depends_on).toBeUndefined();
  });

  it('containers share the host ports: docker partitions get distinct source ports and overflowing ones are rejected', () => {
    expect(partitionsShareHost('docker')).toBe(true);
    expect(partitionsShareHost('k8s')).toBe(false);
    const ports = plan().participants.map((p) => p.port);
    expect(new Set(ports).size).toBe(ports.length);
    const crowded = scenarioFromText('version: 1\nname: c\nduration: 10s\nbackend: docker\nparticipants: { count: 100, base_port: 40000 }\n', 'c');
    expect(semanticProblems(crowded, { partitions: 4 }).map((p) => p.message).join('\n')).toContain('the highest UDP port is 65535');
  });
});

describe('docker engine endpoint', () => {
  it('reads DOCKER_HOST: the default socket, unix://, tcp://', () => {
    expect(dockerEndpoint({})).toEqual({ label: 'unix:///var/run/docker.sock', options: { socketPath: '/var/run/docker.sock' } });
    expect(dockerEndpoint({ DOCKER_HOST: 'unix:///run/other.sock' }).options).toEqual({ socketPath: '/run/other.sock' });
    expect(dockerEndpoint({ DOCKER_HOST: 'tcp://127.0.0.1:2375' }).options).toEqual({ host: '127.0.0.1', port: 2375, protocol: 'http' });
  });
});

describe('docker logs', () => {
  it("splits the Engine API's multiplexed log frames (8-byte header: stream, size) into stdout and stderr", () => {
    const frame = (stream: number, text: string): Buffer => {
      const body = Buffer.from(text);
      const header = Buffer.alloc(8);
      header[0] = stream;
      header.writeUInt32BE(body.length, 4);
      return Buffer.concat([header, body]);
    };
    const logs = demuxLogs(Buffer.concat([frame(1, '{"type":"ready"}\n'), frame(2, 'avcm: warning\n'), frame(1, 'AVCM_PROBE_REPORT {}\n')]));
    expect(logs).toEqual({ stdout: '{"type":"ready"}\nAVCM_PROBE_REPORT {}\n', stderr: 'avcm: warning\n' });
  });
});

describe('probe report of a container', () => {
  const window = (index: number, received: number, frames: number): WindowStats => ({
    index,
    received,
    expected: received + 1,
    lost: 1,
    duplicates: 0,
    reordered: 0,
    bytes: received * 1000,
    jitterMs: 1,
    delayMsAvg: 1,
    delayMsMax: 2,
    frames,
  });
  const report = (windows: WindowStats[]): ProbeReport => ({
    runStartEpochMs: 0,
    windowMs: 1000,
    windowCount: windows.length,
    streams: [{ ssrc: 1, participantId: 1001, media: 'video', payloadType: 96, firstSeenMs: 0, lastSeenMs: 0, totals: { received: 0, expected: 0, lost: 0, duplicates: 0, reordered: 0, bytes: 0, jitterMs: 0, frames: 0 }, windows, viewer: null }],
    malformedPackets: 0,
    foreignPackets: 0,
    kernelRcvbufErrors: null,
  });

  it('keeps the run windows and adds the tail (late arrivals) into the last one', () => {
    const fitted = fitProbeReport(report([window(0, 100, 30), window(1, 100, 30), window(2, 5, 1), window(3, 0, 0)]), 2);
    expect(fitted.windowCount).toBe(2);
    expect(fitted.streams[0].windows).toHaveLength(2);
    expect(fitted.streams[0].windows[1]).toMatchObject({ received: 105, expected: 108, lost: 3, frames: 31, bytes: 105_000 });
  });

  it('leaves a report of an interrupted run (fewer windows than planned) as it is', () => {
    const short = report([window(0, 100, 30)]);
    expect(fitProbeReport(short, 5)).toBe(short);
  });
});
