import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/plan/index.js';
import { isViewerSide } from '../../../src/plan/types.js';
import { DEFAULTS, parseScenarioText, validateLoaded, type Problem } from '../../../src/scenario/index.js';

const BASE = `version: 1
name: viewers
seed: 3
duration: 30s
participants:
  count: 3
  transport: webrtc
media: { video: { simulcast: true } }
# Several viewers subscribe through an SFU (each its own copy of the media).
sfu: { kind: janus-videoroom, url: "http://127.0.0.1:8088/janus" }
`;
const VIEWERS = `viewers:
  - { name: desk, layer: h }
  - { name: phone, layer: l }
  - { name: tv }
`;

function validate(yaml: string) {
  return validateLoaded(parseScenarioText(yaml, 'viewers.yaml'));
}

function problemsOf(yaml: string): Problem[] {
  return validate(yaml).problems;
}

function paths(yaml: string): string[] {
  return problemsOf(yaml).map((p) => `${p.path} ${p.message}`);
}

describe('viewers, downlink spikes and layer_switch in the scenario language', () => {
  it('viewers compile into the plan with their layer (the top one when left out); no viewers keeps the plan as it was', () => {
    const plan = compile(validate(`${BASE}${VIEWERS}`).scenario!, { cores: 1 });
    expect(plan.viewers).toEqual([
      { index: 0, name: 'desk', layer: 'h' },
      { index: 1, name: 'phone', layer: 'l' },
      { index: 2, name: 'tv', layer: 'h' },
    ]);
    const without = compile(validate(BASE).scenario!, { cores: 1 });
    expect('viewers' in without).toBe(false);
    expect('remb' in without.probe).toBe(false);
    expect(compile(validate(`${BASE}probe: { remb: false }\n`).scenario!, { cores: 1 }).probe.remb).toBe(false);
  });

  it('a downlink spike targets viewers (all by default) and participants; uplink spikes carry neither field', () => {
    const yaml = `${BASE}${VIEWERS}spikes:
  - { type: rtp_packet_loss, direction: downlink, viewers: [phone], participants: [1002], at: 5s, duration: 5s, loss_percentage: 20 }
  - { type: bandwidth_limit, direction: downlink, at: 12s, duration: 5s, bandwidth_kbps: 400 }
  - { type: rtp_packet_loss, at: 20s, duration: 5s, loss_percentage: 5 }
  - { type: layer_switch, layer: l, viewers: [desk], at: 8s, duration: 10s }
`;
    expect(paths(yaml)).toEqual([]);
    const plan = compile(validate(yaml).scenario!, { cores: 1 });
    const [loss, layerSwitch, narrow, uplink] = plan.spikes;
    expect(loss).toMatchObject({ type: 'rtp_packet_loss', direction: 'downlink', viewerIds: [1], participantIds: [1002] });
    expect(layerSwitch).toMatchObject({ type: 'layer_switch', viewerIds: [0], participantIds: [1001, 1002, 1003], params: { layer: 'l' } });
    expect('direction' in layerSwitch).toBe(false);
    expect(narrow).toMatchObject({ direction: 'downlink', viewerIds: [0, 1, 2] });
    expect('direction' in uplink || 'viewerIds' in uplink).toBe(false);
    expect(plan.spikes.map(isViewerSide)).toEqual([true, true, true, false]);
  });

  it('without a viewers section a downlink spike acts on the probe\'s one viewer', () => {
    const plan = compile(validate(`${BASE}spikes:\n  - { type: network_jitter, direction: downlink, jitter_std_dev_ms: 20, at: 5s }\n`).scenario!, { cores: 1 });
    expect(plan.spikes[0]).toMatchObject({ direction: 'downlink', viewerIds: [0] });
  });

  it('refuses what cannot act on a downlink, and viewers on uplink spikes', () => {
    expect(paths(`${BASE}spikes:\n  - { type: bitrate_reduce, direction: downlink, reduction_percent: 50, at: 5s }\n`)).toEqual([
      expect.stringMatching(/^\/spikes\/0\/type bitrate_reduce is an encoder setting/),
    ]);
    expect(paths(`${BASE}${VIEWERS}spikes:\n  - { type: rtp_packet_loss, viewers: [phone], loss_percentage: 5, at: 5s }\n`)).toEqual([expect.stringMatching(/^\/spikes\/0\/viewers viewers selects whom a downlink spike/)]);
    expect(paths(`${BASE}${VIEWERS}spikes:\n  - { type: layer_switch, direction: downlink, layer: l, at: 5s }\n`)).toEqual([expect.stringMatching(/^\/spikes\/0\/direction layer_switch/)]);
    const pool = `${BASE}spikes:\n  - direction: downlink\n    at: 5s\n    pool:\n      - { type: rtp_packet_loss, weight: 1, loss_percentage: 5 }\n      - { type: bitrate_reduce, weight: 1, reduction_percent: 20 }\n`;
    expect(paths(pool)).toEqual([expect.stringMatching(/^\/spikes\/0\/pool\/1\/type bitrate_reduce/)]);
  });

  it('viewer names are unique and spikes name existing viewers; layers are simulcast rids', () => {
    expect(paths(`${BASE}viewers: [{ name: a }, { name: a }]\n`)).toEqual([expect.stringMatching(/^\/viewers\/1\/name viewer name "a" is used twice/)]);
    expect(paths(`${BASE}${VIEWERS}spikes:\n  - { type: rtp_packet_loss, direction: downlink, viewers: [tablet], loss_percentage: 5, at: 5s }\n`)).toEqual([
      expect.stringMatching(/^\/spikes\/0\/viewers\/0 viewer "tablet" is not one of the viewers \("desk", "phone", "tv"\)/),
    ]);
    expect(paths(`${BASE}viewers: [{ name: a, layer: x }]\n`)).toEqual([expect.stringMatching(/^\/viewers\/0\/layer layer "x" is not one of the simulcast layers \("h", "m", "l"\)/)]);
    expect(paths(`version: 1\nname: v\nduration: 10s\nparticipants: { count: 1 }\nviewers: [{ name: a, layer: h }]\n`)).toEqual([expect.stringMatching(/^\/viewers\/0\/layer .*simulcast is off/)]);
    expect(paths(`${BASE}${VIEWERS}spikes:\n  - { type: layer_switch, layer: q, at: 5s }\n`)).toEqual([expect.stringMatching(/^\/spikes\/0\/layer layer "q" is not one of the simulcast layers/)]);
    expect(paths(`${BASE}spikes:\n  - { type: layer_switch, layer: l, at: 5s }\n`)).toEqual([expect.stringMatching(/^\/spikes\/0\/type layer_switch switches viewers' subscriptions: add a viewers section/)]);
    expect(problemsOf(`${BASE}spikes:\n  - { type: layer_switch, at: 5s }\n`)[0].message).toMatch(/layer/);
  });

  it('layer metrics and layers blocks need simulcast and known rids; layer_switch_ms needs a cause', () => {
    const plain = `version: 1\nname: v\nduration: 10s\nparticipants: { count: 1 }\n`;
    expect(paths(`${plain}assertions: { layer: ["min >= 1"] }\n`)).toEqual([expect.stringMatching(/^\/assertions\/layer "min >= 1" is measured on simulcast layers/)]);
    expect(paths(`${BASE}assertions: { layers: { x: { bitrate_kbps: ["max < 200"] } } }\n`)).toEqual([expect.stringMatching(/^\/assertions\/layers\/x layer "x" is not one of the simulcast layers/)]);
    expect(paths(`${BASE}assertions: { layer_switch_ms: ["max < 2000"] }\n`)).toEqual([expect.stringMatching(/^\/assertions\/layer_switch_ms .*neither/)]);
    expect(problemsOf(`${BASE}assertions: { layer: ["min >= 3"] }\n`)[0].path).toBe('/assertions/layer/0');
    expect(problemsOf(`${BASE}assertions: { layers: { l: { layers: { m: { bitrate_kbps: ["max < 1"] } } } } }\n`).length).toBeGreaterThan(0);
  });

  it('layers blocks become assertions on their layer, in every scope, after the plain ones', () => {
    const s = validate(`${BASE}${VIEWERS}spikes:\n  - { type: layer_switch, layer: l, viewers: [desk], at: 8s }\nassertions:\n  layers: { l: { bitrate_kbps: ["max < 200"] } }\n  layer_switch_ms: ["max < 3000"]\n  during_spikes: { layers: { h: { frame_rate_fps: ["min > 25"] } }, layer: ["max <= 1"] }\n`).scenario!;
    expect(s.assertions.map((a) => [a.scope, a.layer, a.metric, a.path.join('/')])).toEqual([
      ['whole', null, 'layer_switch_ms', 'assertions/layer_switch_ms/0'],
      ['during_spikes', null, 'layer', 'assertions/during_spikes/layer/0'],
      ['whole', 'l', 'bitrate_kbps', 'assertions/layers/l/bitrate_kbps/0'],
      ['during_spikes', 'h', 'frame_rate_fps', 'assertions/during_spikes/layers/h/frame_rate_fps/0'],
    ]);
  });

  it('viewers and downlink spikes need the local probe; WHEP cannot ask for layers', () => {
    expect(paths(`${BASE}backend: docker\n${VIEWERS}`)).toEqual([expect.stringMatching(/^\/viewers viewers are played by the local probe/)]);
    expect(paths(`${BASE}backend: k8s\nspikes:\n  - { type: rtp_packet_loss, direction: downlink, loss_percentage: 5, at: 5s }\n`)).toEqual([expect.stringMatching(/^\/spikes\/0\/direction downlink spikes act in the local probe/)]);
    const whep = `version: 1\nname: w\nduration: 20s\nparticipants: { count: 2, transport: webrtc }\nmedia: { video: { simulcast: true } }\nsfu: { kind: whip, whip_url: "http://h/whip", whep_url: "http://h/whep" }\n`;
    expect(paths(`${whep}viewers: [{ name: a, layer: l }]\n`)).toEqual([expect.stringMatching(/^\/viewers\/0\/layer WHEP has no way/)]);
    expect(paths(`${whep}viewers: [{ name: a }, { name: b }]\n`)).toEqual([]);
  });

  it('two viewers need an sfu: without one the probe receives a single copy of the media (one viewer is fine)', () => {
    const direct = `version: 1\nname: v\nduration: 10s\nparticipants: { count: 2 }\n`;
    expect(paths(`${direct}viewers: [{ name: a }, { name: b }]\n`)).toEqual([expect.stringMatching(/^\/viewers 2 viewers need an sfu: .*add an sfu section/)]);
    expect(paths(`${direct}viewers: [{ name: a }]\n`)).toEqual([]);
    expect(paths(`${BASE}${VIEWERS}`)).toEqual([]);
  });

  it('the schema defaults are the defaults applied', () => {
    const schema = JSON.parse(readFileSync('schemas/scenario.schema.json', 'utf8'));
    expect(schema.$defs.spike.properties.direction.default).toBe(DEFAULTS.spike.direction);
    expect(schema.$defs.spike.properties.viewers.default).toBe(DEFAULTS.spike.viewers);
    expect(schema.properties.probe.properties.remb.default).toBe(DEFAULTS.probe.remb);
  });
});

describe('viewers: assertion blocks', () => {
  const SPIKES = `spikes:
  - { type: rtp_packet_loss, direction: downlink, viewers: [desk], at: 5s, duration: 5s, loss_percentage: 10 }
`;

  it('become assertions on their viewer, in every scope, after the plain and layer ones; a viewer block may hold layers', () => {
    const s = validate(`${BASE}${VIEWERS}${SPIKES}assertions:
  freeze_count: ["max < 3"]
  viewers:
    phone: { freeze_count: ["max == 0"], layer: ["min >= 0"] }
    desk: { layers: { l: { decodable_fps: ["min > 20"] } } }
  layers: { h: { bitrate_kbps: ["min > 1000"] } }
  during_spikes:
    viewers: { desk: { packet_loss_percent: ["max < 15"] } }
  baseline:
    viewers: { tv: { layer_switches: ["max == 0"] } }
`).scenario!;
    expect(s.assertions.map((a) => [a.scope, a.viewer, a.layer, a.metric, a.path.join('/')])).toEqual([
      ['whole', null, null, 'freeze_count', 'assertions/freeze_count/0'],
      ['whole', null, 'h', 'bitrate_kbps', 'assertions/layers/h/bitrate_kbps/0'],
      ['whole', 'phone', null, 'freeze_count', 'assertions/viewers/phone/freeze_count/0'],
      ['whole', 'phone', null, 'layer', 'assertions/viewers/phone/layer/0'],
      ['whole', 'desk', 'l', 'decodable_fps', 'assertions/viewers/desk/layers/l/decodable_fps/0'],
      ['during_spikes', 'desk', null, 'packet_loss_percent', 'assertions/during_spikes/viewers/desk/packet_loss_percent/0'],
      ['baseline', 'tv', null, 'layer_switches', 'assertions/baseline/viewers/tv/layer_switches/0'],
    ]);
    // Without the block nothing carries a viewer.
    expect(validate(`${BASE}${VIEWERS}assertions: { freeze_count: ["max < 3"] }\n`).scenario!.assertions.map((a) => a.viewer)).toEqual([null]);
  });

  it('a viewer block names a viewer of the viewers section, located at its name (file:line:column), one problem per block', () => {
    const yaml = `${BASE}${VIEWERS}assertions:\n  viewers:\n    tablet: { freeze_count: ["max == 0"], layer: ["min >= 1"] }\n`;
    const problems = problemsOf(yaml);
    expect(problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.path} ${p.message}`)).toEqual([
      'viewers.yaml:17:13 /assertions/viewers/tablet viewer "tablet" is not one of the viewers ("desk", "phone", "tv")',
    ]);
  });

  it('a viewer block without a viewers section is refused at the block, in any scope', () => {
    const yaml = `${BASE}spikes:\n  - { type: rtp_packet_loss, at: 5s, duration: 5s, loss_percentage: 10 }\nassertions:\n  during_spikes:\n    viewers:\n      bob: { freeze_count: ["max == 0"] }\n`;
    const problems = problemsOf(yaml);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'viewers.yaml', line: 16, column: 12, path: '/assertions/during_spikes/viewers/bob' });
    expect(problems[0].message).toMatch(/^viewer "bob" is not defined: the scenario has no viewers section/);
  });

  it("a viewer's during_spikes block needs a spike that acts on that viewer's streams", () => {
    const during = `assertions:\n  during_spikes:\n    viewers: { phone: { freeze_count: ["max == 0"] } }\n`;
    expect(paths(`${BASE}${VIEWERS}${SPIKES}${during}`)).toEqual([expect.stringMatching(/^\/assertions\/during_spikes\/viewers\/phone ".*" is measured during the spikes that act on viewer phone, but no spike does/)]);
    // An uplink spike reaches every viewer; so does a downlink spike naming phone.
    expect(paths(`${BASE}${VIEWERS}spikes:\n  - { type: rtp_packet_loss, at: 5s, duration: 5s, loss_percentage: 10 }\n${during}`)).toEqual([]);
    expect(paths(`${BASE}${VIEWERS}${SPIKES.replace('[desk]', '[desk, phone]')}${during}`)).toEqual([]);
  });

  it('no viewers inside viewers, and none inside layers (schema)', () => {
    const nested = problemsOf(`${BASE}${VIEWERS}assertions:\n  viewers:\n    desk: { viewers: { tv: { freeze_count: ["max == 0"] } } }\n`);
    expect(nested.map((p) => p.path)).toEqual(['/assertions/viewers/desk']);
    expect(nested[0].message).toMatch(/no viewers inside viewers/);
    const inLayer = problemsOf(`${BASE}${VIEWERS}assertions:\n  layers:\n    l: { viewers: { tv: { freeze_count: ["max == 0"] } } }\n`);
    expect(inLayer.map((p) => p.path)).toEqual(['/assertions/layers/l']);
    expect(problemsOf(`${BASE}${VIEWERS}assertions:\n  viewers: { Desk: { freeze_count: ["max == 0"] } }\n`).length).toBeGreaterThan(0);
  });

  it("a layer in a viewer's block is checked like any layers block", () => {
    expect(paths(`${BASE}${VIEWERS}assertions:\n  viewers: { desk: { layers: { x: { bitrate_kbps: ["max < 200"] } } } }\n`)).toEqual([
      expect.stringMatching(/^\/assertions\/viewers\/desk\/layers\/x layer "x" is not one of the simulcast layers/),
    ]);
  });
});
