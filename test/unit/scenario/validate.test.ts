import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, loadScenarioSchema, parseScenarioText, validateLoaded, type Problem } from '../../../src/scenario/index.js';

const BASE = `version: 1
name: t
duration: 60s
participants:
  count: 10
`;

function problemsOf(yaml: string, options = {}): Problem[] {
  return validateLoaded(parseScenarioText(yaml, 'case.yaml'), options).problems;
}

function only(yaml: string): Problem {
  const problems = problemsOf(yaml);
  expect(problems, JSON.stringify(problems, null, 1)).toHaveLength(1);
  return problems[0];
}

describe('schema errors are located and say what was expected and found', () => {
  it('YAML syntax error with its line', () => {
    const problems = problemsOf('version: 1\nname: x\nparticipants: [\n');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0].message).toMatch(/YAML syntax error/);
    expect(problems[0].line).toBeGreaterThanOrEqual(3);
  });

  it('missing required property points at the parent', () => {
    const p = only('version: 1\nname: t\nduration: 60s\n');
    expect(p).toMatchObject({ path: '/participants', message: 'missing required property "participants"', line: 1, column: 1 });
  });

  it('wrong type', () => {
    const p = only(BASE.replace('count: 10', 'count: ten'));
    expect(p).toMatchObject({ path: '/participants/count', line: 5, column: 10 });
    expect(p.message).toBe('expected integer, found "ten"');
  });

  it('out of range', () => {
    const p = only(`${BASE}spikes:\n  - type: rtp_packet_loss\n    loss_percentage: 150\n`);
    expect(p).toMatchObject({ path: '/spikes/0/loss_percentage', line: 8, column: 22, message: 'expected a number <= 100, found 150' });
  });

  it('bad duration', () => {
    const p = only(BASE.replace('60s', '1x'));
    expect(p).toMatchObject({ path: '/duration', line: 3, column: 11 });
    expect(p.message).toMatch(/^expected a positive duration like "90s".*found "1x"$/);
  });

  it('bad rate and bad share', () => {
    const problems = problemsOf(`${BASE}  video: "120%"\nmedia:\n  video: { bitrate: fast }\n`);
    expect(problems.map((p) => p.path)).toEqual(['/participants/video', '/media/video/bitrate']);
    expect(problems[1].message).toMatch(/a bit rate like "2500kbps"/);
  });

  it('unknown property with a suggestion, located at the key', () => {
    const p = only(BASE + '  trasnport: udp\n');
    expect(p).toMatchObject({ path: '/participants/trasnport', line: 6, column: 3 });
    expect(p.message).toBe('unknown property "trasnport"; did you mean "transport"?');
  });

  it('unknown spike type lists the allowed ones', () => {
    const p = only(`${BASE}spikes:\n  - type: packet_storm\n`);
    expect(p.path).toBe('/spikes/0/type');
    expect(p.message).toMatch(/expected one of "rtp_packet_loss".*found "packet_storm"/);
  });

  it('a parameter of another spike type is unknown', () => {
    const p = only(`${BASE}spikes:\n  - type: frame_drop\n    drop_percentage: 10\n    loss_percentage: 5\n`);
    expect(p).toMatchObject({ path: '/spikes/0/loss_percentage', line: 9, column: 5 });
  });

  it('bitrate_reduce needs exactly one of its two parameters', () => {
    const p = only(`${BASE}spikes:\n  - type: bitrate_reduce\n    reduction_percent: 10\n    new_bitrate_kbps: 500\n`);
    expect(p.message).toBe('expected exactly one of reduction_percent or new_bitrate_kbps');
  });

  it('bad assertion expression quotes it', () => {
    const p = only(`${BASE}assertions:\n  mos: ["average >= 4"]\n`);
    expect(p).toMatchObject({ path: '/assertions/mos/0', line: 7, column: 9 });
    expect(p.message).toMatch(/found "average >= 4"/);
  });

  it('bad target url', () => {
    const p = only(`${BASE}target: tcp://1.2.3.4:5\n`);
    expect(p.message).toMatch(/UDP address like udp:\/\/127.0.0.1:5002/);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf('version: 3\nname: UPPER\nduration: x\nparticipants: { count: 0, what: 1 }\n');
    expect(problems.map((p) => p.path)).toEqual(['/version', '/name', '/duration', '/participants/count', '/participants/what']);
  });
});

describe('semantic errors', () => {
  it('spike longer than the run', () => {
    const p = only(`${BASE}spikes:\n  - type: frame_drop\n    drop_percentage: 5\n    duration: 2m\n`);
    expect(p).toMatchObject({ path: '/spikes/0/duration', line: 9, column: 15, message: 'spike lasts up to 2m but the run is only 1m' });
  });

  it('explicit spike ending after the run', () => {
    const p = only(`${BASE}spikes:\n  - type: frame_drop\n    drop_percentage: 5\n    at: 55s\n`);
    expect(p.path).toBe('/spikes/0/at');
  });

  it('ids outside the participant range', () => {
    const problems = problemsOf(`${BASE}spikes:\n  - type: frame_drop\n    drop_percentage: 5\n    participants: [1001, 5, 1010, 1011]\n`);
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['/spikes/0/participants/1', 9],
      ['/spikes/0/participants/3', 9],
    ]);
    expect(problems[0].message).toBe('participant id 5 is outside the participants (1001..1010)');
  });

  it('more spikes than fit with min_spacing', () => {
    const p = only(`${BASE}spikes:\n  - type: frame_drop\n    drop_percentage: 5\n    count: 12\n    duration: 5s\ndistribution:\n  min_spacing: 5s\n`);
    expect(p.path).toBe('/distribution/min_spacing');
    expect(p.message).toMatch(/12 spikes 5s apart after a 5s offset need 65s, but the run is 1m/);
  });

  it('range with min above max', () => {
    const p = only(`${BASE}spikes:\n  - type: rtp_packet_loss\n    loss_percentage: { min: 9, max: 2 }\n`);
    expect(p).toMatchObject({ path: '/spikes/0/loss_percentage/min', message: 'min 9 is greater than max 2' });
  });

  it('ports out of range on one host', () => {
    const p = only(`${BASE.replace('count: 10', 'count: 10\n  base_port: 60000')}scaling: { partitions: 3 }\n`);
    expect(p.path).toBe('/participants/base_port');
    expect(p.message).toMatch(/source ports would reach 80003/);
  });

  it('ports are checked against the --partitions override', () => {
    const yaml = BASE.replace('count: 10', 'count: 10\n  base_port: 60000');
    expect(problemsOf(yaml, { partitions: 1 })).toEqual([]);
    expect(problemsOf(yaml, { partitions: 2 }).map((p) => p.path)).toEqual(['/participants/base_port']);
  });

  it('during_spikes assertions without spikes', () => {
    const p = only(`${BASE}assertions:\n  during_spikes:\n    mos: ["avg > 3"]\n`);
    expect(p.message).toBe('"avg > 3" needs spikes, but the scenario has none');
  });
});

describe('schema and defaults', () => {
  it('the schema is closed (additionalProperties false) everywhere an object is described', () => {
    const schema = loadScenarioSchema();
    const open: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (!node || typeof node !== 'object') return;
      const object = node as Record<string, unknown>;
      const types = ([] as unknown[]).concat(object.type ?? []);
      if (object.properties && types.includes('object') && object.additionalProperties !== false && object.unevaluatedProperties !== false) open.push(at);
      for (const [key, value] of Object.entries(object)) walk(value, `${at}/${key}`);
    };
    walk(schema, '#');
    expect(open).toEqual([]);
  });

  it('defaults.ts agrees with the schema defaults', () => {
    const schema = JSON.parse(readFileSync('schemas/scenario.schema.json', 'utf8'));
    const defs = schema.$defs;
    expect(defs.media.properties.video.properties.fps.default).toBe(DEFAULTS.video.fps);
    expect(defs.media.properties.video.properties.bitrate.default).toBe(DEFAULTS.video.bitrate);
    expect(defs.media.properties.audio.properties.ptime.default).toBe(DEFAULTS.audio.ptime);
    expect(defs.participants.properties.first_id.default).toBe(DEFAULTS.participants.first_id);
    expect(defs.participants.properties.base_port.default).toBe(DEFAULTS.participants.base_port);
    expect(defs.spike.properties.duration.default).toBe(DEFAULTS.spike.duration);
    expect(defs.distribution.properties.min_spacing.default).toBe(DEFAULTS.distribution.min_spacing);
    expect(defs.distribution.properties.jitter_percent.default).toBe(DEFAULTS.distribution.jitter_percent);
    expect(schema.properties.scaling.properties.participants_per_partition.default).toBe(DEFAULTS.scaling.participants_per_partition);
  });

  it('applies defaults and units', () => {
    const result = validateLoaded(parseScenarioText(`${BASE}spikes:\n  - type: network_jitter\n    jitter_std_dev_ms: { min: 5, max: 9 }\n`, 'x.yaml'));
    const s = result.scenario!;
    expect(s.durationMs).toBe(60_000);
    expect(s.participants).toMatchObject({ firstId: 1001, transport: 'udp', basePort: 0, videoShare: 1, audioShare: 1 });
    expect(s.media.video).toMatchObject({ fps: 30, bitrateKbps: 2500, keyframeIntervalMs: 2000, maxPayloadBytes: 1200 });
    expect(s.media.audio).toMatchObject({ ptimeMs: 20, bitrateKbps: 64 });
    expect(s.spikes[0]).toMatchObject({ count: 1, durationMs: { min: 10_000, max: 10_000 }, shapes: [{ weight: 1, shape: { type: 'network_jitter', jitterStdDevMs: { min: 5, max: 9 }, baseLatencyMs: { min: 0, max: 0 } } }] });
    expect(s.distribution).toMatchObject({ strategy: 'even', minSpacingMs: 5000, jitterPercent: 15, respectMinOffset: true });
  });
});

describe('sfu: joining a real SFU', () => {
  const WEBRTC = BASE.replace('count: 10', 'count: 10\n  transport: webrtc');
  it('accepts a Janus VideoRoom and a WHIP/WHEP server', () => {
    const janus = validateLoaded(parseScenarioText(`${WEBRTC}sfu:\n  kind: janus-videoroom\n  url: http://127.0.0.1:8088/janus\n  room: 1234\n`, 'a.yaml'));
    expect(janus.problems).toEqual([]);
    expect(janus.scenario!.sfu).toEqual({ kind: 'janus-videoroom', url: 'http://127.0.0.1:8088/janus', room: 1234, secretEnv: null });
    const whip = validateLoaded(parseScenarioText(`${WEBRTC}sfu:\n  kind: whip\n  whip_url: http://h/whip\n  whep_url: http://h/whep/{participant}\n`, 'b.yaml'));
    expect(whip.problems).toEqual([]);
    expect(whip.scenario!.sfu).toMatchObject({ kind: 'whip', whipUrl: 'http://h/whip', whepUrl: 'http://h/whep/{participant}', tokenEnv: null });
  });

  it('WHIP needs its WHEP side; unknown fields of the other kind are rejected', () => {
    expect(only(`${WEBRTC}sfu:\n  kind: whip\n  whip_url: http://h/whip\n`).message).toMatch(/whep_url/);
    const stray = only(`${WEBRTC}sfu:\n  kind: whip\n  whip_url: http://h/whip\n  whep_url: http://h/whep\n  room: 3\n`);
    expect(stray.path).toBe('/sfu/room');
  });

  it('an SFU needs WebRTC participants', () => {
    const p = only(`${BASE}sfu:\n  kind: janus-videoroom\n  url: http://127.0.0.1:8088/janus\n`);
    expect(p.message).toMatch(/set participants.transport: webrtc/);
  });
});

describe('rtp extension ids', () => {
  it('participant_id and abs_send_time must differ', () => {
    const p = only(`${BASE}rtp:\n  extensions: { participant_id: 3, abs_send_time: 3 }\n`);
    expect(p.path).toBe('/rtp/extensions/abs_send_time');
    expect(p.message).toMatch(/same as participant_id/);
  });
});

describe('every value is checked up front, at its line and column', () => {
  it.each([
    ['target: udp://127.0.0.1:99999', '/target', /port 99999 is out of range: ports are 1\.\.65535/],
    ['target: udp://127.0.0.1:0', '/target', /port 0 is no port to send to/],
    ['target: udp://999.1.1.1:5002', '/target', /"999\.1\.1\.1" is not an IPv4 address/],
    ['target: udp://sfu-.example:5002', '/target', /label "sfu-" starts or ends with '-'/],
    ['target: "udp://[1::2::3]:5002"', '/target', /"1::2::3" is not an IPv6 address/],
    ['probe: { listen: "udp://127.0.0.1:70000" }', '/probe/listen', /ports are 0\.\.65535 \(0 = an ephemeral port\)/],
    ['duration: "0s"', '/duration', /expected a duration 1s\.\.24h, found "0s"/],
    ['duration: 0.0001', '/duration', /expected a duration 1s\.\.24h, found 0\.0001 \(0s\)/],
    ['duration: 25h', '/duration', /1s\.\.24h/],
    ['media: { video: { bitrate: 0kbps } }', '/media/video/bitrate', /expected a bit rate 10kbps\.\.100mbps, found "0kbps"/],
    ['media: { audio: { bitrate: 1mbps } }', '/media/audio/bitrate', /6kbps\.\.510kbps/],
    ['media: { video: { keyframe_interval: 10ms } }', '/media/video/keyframe_interval', /100ms\.\.60s/],
    ['participants: { count: 2, rtcp: { history: 30s } }', '/participants/rtcp/history', /expected a duration 1s\.\.10s, found "30s"/],
    ['participants: { count: 2, rtcp: { report_interval: 10ms } }', '/participants/rtcp/report_interval', /100ms\.\.60s/],
    ['probe: { jitter_buffer: 20s }', '/probe/jitter_buffer', /1ms\.\.10s/],
    ['probe: { report_interval: 2m }', '/probe/report_interval', /100ms\.\.60s/],
    ['spikes: [{ type: frame_drop, drop_percentage: 5, duration: { min: 0s, max: 5s } }]', '/spikes/0/duration/min', /1ms\.\.24h/],
    ['spikes: [{ type: bandwidth_limit, bandwidth_kbps: 500, queue: 2m }]', '/spikes/0/queue', /1ms\.\.60s/],
    ['distribution: { min_spacing: 99999h }', '/distribution/min_spacing', /at most 24h/],
    ['assertions: { packet_loss_percent: ["avg < 150"] }', '/assertions/packet_loss_percent/0', /threshold 150 is outside what the metric can measure \(a percentage: 0\.\.100\)/],
    ['assertions: { mos: ["avg >= 5"] }', '/assertions/mos/0', /a MOS: 1\.\.4\.5/],
    ['assertions: { baseline: { jitter_ms: ["p95 > -1"] } }', '/assertions/baseline/jitter_ms/0', /never negative: 0 or more/],
    ['participants: { count: 2, transport: webrtc }\nturn: { urls: ["turn:127.0.0.1:99999"] }', '/turn/urls/0', /port 99999 is out of range/],
    ['participants: { count: 2, transport: webrtc }\nturn: { urls: ["turn:127.0.0.1?transport=sctp"] }', '/turn/urls/0', /RFC 7065/],
    ['participants: { count: 2, transport: webrtc }\nsfu: { kind: janus-videoroom, url: "http://127.0.0.1:99999/janus" }', '/sfu/url', /is not a URL/],
    ['participants: { count: 2, transport: webrtc }\nsfu: { kind: whip, whip_url: "http://user:pw@h/whip", whep_url: "http://h/whep" }', '/sfu/whip_url', /carries credentials/],
    ['participants: { count: 2, transport: webrtc }\nturn: { urls: ["turn:127.0.0.1"], ttl: 30s }', '/turn/ttl', /1m\.\.168h/],
    // A timer of 0 ms (0.0001 s rounds to it) fails every action at once; one past Node's timer range (about 24.8 days) fires at once too.
    ['sut: { driver: command, restart: "true", timeout: 0.0001 }', '/sut/timeout', /expected a duration 1ms\.\.24h, found 0\.0001 \(0s\)/],
    ['sut: { driver: command, restart: "true", timeout: 1000h }', '/sut/timeout', /1ms\.\.24h/],
    ['sut: { driver: docker, container: sut, stop_timeout: 0.0001 }', '/sut/stop_timeout', /1ms\.\.24h/],
    // A trace's queue is bounded like a bandwidth_limit's: a queue of 0 ms drops every packet.
    ['spikes: [{ type: trace, file: traces/lte-handover.csv, queue: 0.0001 }]', '/spikes/0/queue', /1ms\.\.60s/],
    ['spikes: [{ pool: [{ type: trace, weight: 1, file: traces/lte-handover.csv, queue: 2m }] }]', '/spikes/0/pool/0/queue', /1ms\.\.60s/],
    // A simulcast layer's rate is held to the video's range: a layer of 0 kbps cannot be encoded.
    ['media: { video: { simulcast: [{ rid: h, width: 640, height: 360, bitrate: 0kbps }] } }', '/media/video/simulcast/0/bitrate', /expected a bit rate 10kbps\.\.100mbps, found "0kbps"/],
    ['media: { video: { simulcast: [{ rid: h, width: 640, height: 360, bitrate: 200mbps }] } }', '/media/video/simulcast/0/bitrate', /10kbps\.\.100mbps/],
  ])('%s', (line, path, message) => {
    const yaml = line.startsWith('duration') ? BASE.replace('duration: 60s', line) : line.startsWith('participants') ? BASE.replace('participants:\n  count: 10\n', `${line}\n`) : `${BASE}${line}\n`;
    const p = only(yaml);
    expect(p.path).toBe(path);
    expect(p.message).toMatch(message);
    expect(p.line).toBeGreaterThanOrEqual(1);
    expect(p.column).toBeGreaterThan(1);
  });

  it('accepts the edges of every range and the address forms', () => {
    const ok = [
      'target: udp://127.0.0.1:65535',
      'target: udp://sfu.example.org:1',
      'target: "udp://[::1]:5002"',
      'target: udp://localhost:5002',
      'probe: { listen: "udp://127.0.0.1:0" }',
      'media: { audio: { bitrate: 6kbps } }',
      'assertions: { mos: ["min >= 1", "max <= 4.5"], packet_loss_percent: ["max <= 100"], delay_ms: ["avg > -5"] }',
    ];
    for (const line of ok) expect(problemsOf(`${BASE}${line}\n`), line).toEqual([]);
    expect(problemsOf(BASE.replace('duration: 60s', 'duration: 24h'))).toEqual([]);
  });

  it('probe.listen port 0 is an ephemeral port; rtcp: true is the defaults', () => {
    const s = validateLoaded(parseScenarioText(`${BASE}probe: { listen: "udp://127.0.0.1:0" }\n`.replace('count: 10', 'count: 10\n  rtcp: true'), 'x.yaml')).scenario!;
    expect(s.probeListen).toEqual({ host: '127.0.0.1', port: 0 });
    expect(s.participants.rtcp).toEqual({ nack: true, rtx: true, pli: true, reportIntervalMs: 1000, historyMs: 1000 });
  });

  it('TURN credentials must outlive the run', () => {
    const yaml = BASE.replace('duration: 60s', 'duration: 2m').replace('count: 10', 'count: 2\n  transport: webrtc') + 'turn: { urls: ["turn:127.0.0.1"], ttl: 1m }\n';
    expect(only(yaml)).toMatchObject({ path: '/turn/ttl', message: 'TURN credentials valid for 1m would expire during the 2m run: make ttl at least the duration' });
  });

  it('a shape problem is reported once, not also as a range problem', () => {
    const p = only(`${BASE}target: tcp://127.0.0.1:99999\n`);
    expect(p.message).toMatch(/^expected a UDP address like/);
  });

  it('YAML .nan and .inf are named as such', () => {
    expect(only(`${BASE}seed: .nan\n`).message).toBe('expected integer, found .nan');
    expect(only(BASE.replace('duration: 60s', 'duration: .inf')).message).toMatch(/found \.inf$/);
  });

  it('media files are looked up next to the scenario file', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadScenarioFile } = await import('../../../src/scenario/index.js');
    const dir = await mkdtemp(join(tmpdir(), 'avcm-media-check-'));
    await writeFile(join(dir, 'clip.h264'), 'x');
    await writeFile(join(dir, 's.yaml'), `${BASE}media:\n  video: { file: clip.h264 }\n  audio: { file: missing.ogg }\n`);
    const result = validateLoaded(await loadScenarioFile('s.yaml', dir));
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ path: '/media/audio/file', line: 8, message: `no such file: ${join(dir, 'missing.ogg')}` });
  });
});

describe('documents the YAML parser accepts but cannot read', () => {
  it('an alias without its anchor is a located problem, not a crash', () => {
    const p = only('version: 1\nname: x\nduration: *nope\nparticipants: { count: 1 }\n');
    expect(p).toMatchObject({ line: 3, column: 11, message: expect.stringMatching(/^YAML: Unresolved alias/) });
  });

  it('aliases that expand without end are refused', () => {
    const laughs = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
    const problems = problemsOf(`${laughs}\n`);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0].line).toBeGreaterThanOrEqual(1);
  });
});
