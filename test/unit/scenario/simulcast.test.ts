import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/plan/index.js';
import { DEFAULTS, parseScenarioText, validateLoaded, type Problem } from '../../../src/scenario/index.js';

const BASE = `version: 1
name: sim
duration: 20s
participants:
  count: 6
`;

function validate(yaml: string) {
  return validateLoaded(parseScenarioText(yaml, 'sim.yaml'));
}

function problemsOf(yaml: string): Problem[] {
  return validate(yaml).problems;
}

const LAYERS = `media:
  video:
    simulcast:
      - { rid: hi, width: 960, height: 540, bitrate: 1.2mbps }
      - { rid: lo, width: 480, height: 270, bitrate: 300kbps }
`;

describe('media.video.simulcast', () => {
  it('true is the shipped three layers, highest first; the top layer is the video size and rate', () => {
    const s = validate(`${BASE}media: { video: { simulcast: true } }\n`).scenario!;
    expect(s.media.video!.simulcast).toEqual([
      { rid: 'h', width: 1280, height: 720, bitrateKbps: 2500 },
      { rid: 'm', width: 640, height: 360, bitrateKbps: 600 },
      { rid: 'l', width: 320, height: 180, bitrateKbps: 150 },
    ]);
    expect(s.media.video).toMatchObject({ width: 1280, height: 720, bitrateKbps: 2500 });
    expect(s.extensions).toMatchObject({ ridId: 10, repairedRidId: 11, midId: 4 });
  });

  it('the schema defaults are the defaults applied', () => {
    const schema = JSON.parse(readFileSync('schemas/scenario.schema.json', 'utf8'));
    expect(schema.$defs.media.properties.video.properties.simulcast.default).toBe(DEFAULTS.video.simulcast);
    const ext = schema.properties.rtp.properties.extensions.properties;
    expect([ext.rtp_stream_id.default, ext.repaired_rtp_stream_id.default, ext.mid.default]).toEqual([DEFAULTS.extensions.rtp_stream_id, DEFAULTS.extensions.repaired_rtp_stream_id, DEFAULTS.extensions.mid]);
  });

  it('off by default; listed layers replace width, height and bitrate', () => {
    expect(validate(BASE).scenario!.media.video!.simulcast).toBeNull();
    expect(validate(`${BASE}media: { video: { simulcast: false } }\n`).scenario!.media.video!.simulcast).toBeNull();
    const s = validate(`${BASE}${LAYERS}`).scenario!;
    expect(s.media.video).toMatchObject({ width: 960, height: 540, bitrateKbps: 1200 });
    expect(s.media.video!.simulcast!.map((l) => l.rid)).toEqual(['hi', 'lo']);
  });

  it('at most 3 layers, each with rid, size and bitrate; rids are 1..16 letters or digits', () => {
    const four = `${BASE}media:\n  video:\n    simulcast:\n${[1, 2, 3, 4].map((i) => `      - { rid: r${i}, width: ${800 / i}, height: ${400 / i}, bitrate: ${1000 / i} }\n`).join('')}`;
    expect(problemsOf(four).map((p) => p.path)).toContain('/media/video/simulcast');
    expect(problemsOf(`${BASE}media:\n  video:\n    simulcast:\n      - { rid: hi, width: 640, height: 360 }\n`)[0].message).toMatch(/bitrate/);
    const badRid = problemsOf(`${BASE}media:\n  video:\n    simulcast:\n      - { rid: "h-1", width: 640, height: 360, bitrate: 500 }\n`);
    expect(badRid[0].path).toBe('/media/video/simulcast/0/rid');
    expect(problemsOf(`${BASE}media:\n  video:\n    simulcast: []\n`).length).toBeGreaterThan(0);
  });

  it('bit rates must fall from layer to layer, sizes never grow, rids are unique; each problem is located', () => {
    const yaml = `${BASE}media:
  video:
    simulcast:
      - { rid: a, width: 640, height: 360, bitrate: 500kbps }
      - { rid: a, width: 1280, height: 720, bitrate: 800kbps }
`;
    const problems = problemsOf(yaml);
    expect(problems.map((p) => p.path).sort()).toEqual(['/media/video/simulcast/1/bitrate', '/media/video/simulcast/1/rid', '/media/video/simulcast/1/width']);
    const rid = problems.find((p) => p.path.endsWith('rid'))!;
    expect(rid.message).toMatch(/already the rid of layer 0/);
    expect(rid.line).toBe(10);
    expect(problems.find((p) => p.path.endsWith('bitrate'))!.message).toMatch(/highest first, with falling bit rates/);
  });

  it('needs the RFC 8285 layout and extension ids of their own', () => {
    const legacy = problemsOf(`${BASE}${LAYERS}rtp: { extensions: { layout: legacy } }\n`);
    expect(legacy.map((p) => p.path)).toEqual(['/rtp/extensions/layout']);
    const clash = problemsOf(`${BASE}${LAYERS}rtp: { extensions: { rtp_stream_id: 2, mid: 11 } }\n`);
    expect(clash.map((p) => p.message)).toEqual([
      'rtp_stream_id uses extension id 2, the same as abs_send_time: simulcast needs distinct ids (1..14)',
      'mid uses extension id 11, the same as repaired_rtp_stream_id: simulcast needs distinct ids (1..14)',
    ]);
    // Without simulcast the extra ids are never stamped, so they may share an id.
    expect(problemsOf(`${BASE}rtp: { extensions: { rtp_stream_id: 2 } }\n`)).toEqual([]);
  });

  it('new_bitrate_kbps of a bitrate_reduce is measured against all layers together', () => {
    const spike = (kbps: number) => `${BASE}${LAYERS}spikes:\n  - { type: bitrate_reduce, at: 2s, duration: 5s, new_bitrate_kbps: ${kbps} }\n`;
    expect(problemsOf(spike(1400))).toEqual([]);
    expect(problemsOf(spike(1500))[0].message).toMatch(/not below the video bitrate \(1500 kbps, all simulcast layers\)/);
    const plan = compile(validate(spike(750)).scenario!, { seed: 1, partitions: 1 });
    expect(plan.spikes[0].params.reductionPercent).toBe(50);
  });
});

describe('plan: one stream per layer', () => {
  const yaml = `${BASE}media: { video: { simulcast: true } }\nparticipants: { count: 6, video: "50%" }\n`.replace('participants:\n  count: 6\n', '');

  it('every video sender gets a stream per layer: own SSRC and RTX SSRC and sequence start, one media clock', () => {
    const plan = compile(validate(yaml).scenario!, { seed: 7, partitions: 2 });
    expect(plan.media.video!.simulcast!.map((l) => l.rid)).toEqual(['h', 'm', 'l']);
    const senders = plan.participants.filter((p) => p.videoSsrc !== null);
    expect(senders).toHaveLength(3);
    const all = new Set<number>();
    for (const p of plan.participants) {
      for (const s of [p.videoSsrc, p.audioSsrc, p.videoRtxSsrc]) if (s !== null) all.add(s);
      if (p.videoSsrc === null) {
        expect(p.videoLayers).toBeUndefined();
        continue;
      }
      const layers = p.videoLayers!;
      expect(layers.map((l) => l.rid)).toEqual(['h', 'm', 'l']);
      expect(layers[0]).toEqual({ rid: 'h', ssrc: p.videoSsrc, rtxSsrc: p.videoRtxSsrc, seqStart: p.videoSeqStart, tsStart: p.videoTsStart, rtxSeqStart: p.videoRtxSeqStart });
      for (const layer of layers) {
        expect(layer.tsStart).toBe(p.videoTsStart);
        expect(layer.rtxSsrc).not.toBeNull();
        all.add(layer.ssrc).add(layer.rtxSsrc!);
      }
    }
    // 6 audio + 3 senders x 3 layers x (media + RTX): all distinct, and not the probe's.
    expect(all.size).toBe(6 + 3 * 3 * 2);
    expect(all.has(plan.probe.rtcpSsrc)).toBe(false);
  });

  it('turning simulcast on leaves every other draw of the seed as it was; no RTX without the feedback loop', () => {
    const on = compile(validate(yaml).scenario!, { seed: 7, partitions: 2 });
    const off = compile(validate(yaml.replace('simulcast: true', 'simulcast: false')).scenario!, { seed: 7, partitions: 2 });
    expect(on.participants.map(({ videoLayers: _layers, ...rest }) => rest)).toEqual(off.participants.map(({ videoLayers: _layers, ...rest }) => rest));
    expect(on.spikes).toEqual(off.spikes);
    // A plan without simulcast has none of its fields (it is byte for byte what it was before simulcast existed).
    expect(off.media.video).not.toHaveProperty('simulcast');
    expect(off.extensions).toEqual({ layout: 'rfc8285', participantIdId: 1, absSendTimeId: 2 });
    expect(off.participants.some((p) => 'videoLayers' in p)).toBe(false);
    expect(on.extensions).toEqual({ layout: 'rfc8285', participantIdId: 1, absSendTimeId: 2, ridId: 10, repairedRidId: 11, midId: 4 });
    const open = compile(validate(`${yaml}`.replace('video: "50%" }', 'video: "50%", rtcp: false }')).scenario!, { seed: 7, partitions: 2 });
    for (const p of open.participants) for (const layer of p.videoLayers ?? []) expect(layer.rtxSsrc).toBeNull();
  });
});
