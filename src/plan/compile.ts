import { videoBitrateKbps, type NumberRange, type Scenario, type SpikeEntry, type SpikeShape, type TargetSelector } from '../scenario/scenario.js';
import { placeStarts } from './distribute.js';
import { partitionOf, partitionsShareHost, resolvePartitions, sourcePort } from './partition.js';
import { probeShards } from './probe-shards.js';
import { createRng, deriveSeed, seedFromText, shuffleInPlace, type Rng } from './rng.js';
import type { Plan, PlannedLayerStream, PlannedParticipant, PlannedSpike, SpikeParams } from './types.js';

export interface CompileOptions {
  /** CLI `--seed`; wins over the scenario's seed. */
  seed?: number;
  /** CLI `--partitions`; wins over the scenario's scaling. */
  partitions?: number;
  /** Cores of the machine, for the local backend's default partition count (injected for purity in tests). */
  cores?: number;
}

/** Rounds drawn parameters to 2 decimals so plans read well and stay byte-stable. */
function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function draw(range: NumberRange | undefined, rng: Rng): number | undefined {
  if (!range) return undefined;
  return range.min === range.max ? range.min : round2(rng.uniform(range.min, range.max));
}

/** One of the weighted choices, drawn by weight (a choice of weight 0 is never drawn). */
function chooseWeighted<T extends { weight: number }>(options: readonly T[], rng: Rng): T {
  const total = options.reduce((sum, o) => sum + o.weight, 0);
  let u = rng.next() * total;
  for (const option of options) {
    if (option.weight > 0 && u < option.weight) return option;
    u -= option.weight;
  }
  // Float rounding at the very top of the range: the last choice that can be drawn.
  return [...options].reverse().find((o) => o.weight > 0) ?? options[0];
}

function pickTargets(selector: TargetSelector, allIds: number[], rng: Rng): number[] {
  switch (selector.kind) {
    case 'all':
      return allIds;
    case 'ids':
      return [...selector.ids].sort((a, b) => a - b);
    case 'pool':
      return pickTargets(chooseWeighted(selector.options, rng).targets, allIds, rng);
    case 'count':
    case 'countRange':
    case 'share': {
      const wanted =
        selector.kind === 'count' ? selector.count : selector.kind === 'countRange' ? rng.int(selector.min, selector.max) : Math.max(1, Math.round(selector.fraction * allIds.length));
      if (wanted >= allIds.length) return allIds;
      return shuffleInPlace([...allIds], rng).slice(0, wanted).sort((a, b) => a - b);
    }
  }
}

function resolveParams(shape: SpikeShape, scenario: Scenario, rng: Rng): SpikeParams {
  switch (shape.type) {
    case 'rtp_packet_loss':
      return { lossPercent: draw(shape.lossPercent, rng), pattern: shape.pattern, meanBurstPackets: shape.meanBurstPackets };
    case 'network_jitter':
      return { baseLatencyMs: draw(shape.baseLatencyMs, rng), jitterStdDevMs: draw(shape.jitterStdDevMs, rng) };
    case 'bitrate_reduce': {
      const videoKbps = scenario.media.video ? videoBitrateKbps(scenario.media.video) : 1;
      const newKbps = draw(shape.newBitrateKbps, rng);
      const reductionPercent = newKbps === undefined ? draw(shape.reductionPercent, rng) : round2(100 * (1 - newKbps / videoKbps));
      const transitionMs = shape.transitionMs === undefined ? undefined : Math.round(draw(shape.transitionMs, rng)!);
      return { reductionPercent, transitionMs };
    }
    case 'frame_drop':
      return { dropPercent: draw(shape.dropPercent, rng) };
    case 'bandwidth_limit':
      return { bandwidthKbps: draw(shape.bandwidthKbps, rng), queueMs: shape.queueMs };
    case 'trace':
      return { traceFile: shape.trace?.file, queueMs: shape.queueMs };
    case 'sut_restart':
    case 'sut_pause':
    case 'sut_kill':
      // The driver's settings are the plan's `sut`; a SUT spike has no parameters of its own.
      return {};
    case 'layer_switch':
      return { layer: shape.layer };
  }
}

/**
 * The viewers a downlink spike or layer_switch acts on, as indices into the plan's viewers
 * (validation checked the names); without a `viewers:` section the probe's one viewer, index 0.
 */
function pickViewers(entry: SpikeEntry, scenario: Scenario): number[] {
  const viewers = scenario.viewers;
  if (!viewers) return [0];
  if (entry.viewers === 'all') return viewers.map((_, i) => i);
  return viewers.flatMap((v, i) => ((entry.viewers as string[]).includes(v.name) ? [i] : []));
}

/**
 * The shape of an entry's event: its only one, or for a pool one drawn by weight from a stream of
 * its own (so pools never shift the draws of other entries, and plain entries draw nothing).
 */
function shapeOf(entry: SpikeEntry, seed: number, event: number): SpikeShape {
  if (entry.shapes.length === 1) return entry.shapes[0].shape;
  return chooseWeighted(entry.shapes, createRng(deriveSeed(seed, 0x9001, entry.index, event))).shape;
}

function planSpikes(scenario: Scenario, seed: number, allIds: number[]): PlannedSpike[] {
  const rng = createRng(deriveSeed(seed, 0x5b1e));
  interface Pending {
    entry: SpikeEntry;
    shape: SpikeShape;
    event: number;
    durationMs: number;
    startMs: number | null;
  }
  const pending: Pending[] = [];
  for (const entry of scenario.spikes) {
    for (let event = 0; event < entry.count; event++) {
      const durationMs = Math.round(entry.durationMs.min === entry.durationMs.max ? entry.durationMs.min : rng.uniform(entry.durationMs.min, entry.durationMs.max));
      pending.push({ entry, shape: shapeOf(entry, seed, event), event, durationMs, startMs: entry.atMs });
    }
  }
  const placed = pending.filter((p) => p.startMs === null);
  const longest = placed.reduce((max, p) => Math.max(max, p.durationMs), 0);
  const starts = placeStarts(placed.length, longest, scenario.durationMs, scenario.distribution, rng);
  // Interleave the entries' events over the slots, so one entry does not take all the early ones.
  shuffleInPlace(placed, rng).forEach((p, i) => (p.startMs = starts[i]));

  const spikes = pending.map((p): PlannedSpike => {
    const spikeRng = createRng(deriveSeed(seed, p.entry.index, p.event));
    const startMs = p.startMs ?? 0;
    const planned: PlannedSpike = {
      id: `${p.entry.index}.${p.event}`,
      entry: p.entry.index,
      type: p.shape.type,
      startMs,
      endMs: startMs + p.durationMs,
      params: resolveParams(p.shape, scenario, spikeRng),
      participantIds: pickTargets(p.entry.targets, allIds, spikeRng),
      seed: spikeRng.uint32(),
      placedBy: p.entry.atMs === null ? 'distribution' : 'at',
    };
    if (p.shape.trace?.data) planned.trace = p.shape.trace.data;
    // Only viewer-side spikes carry these fields: every other plan stays as it was before them.
    if (p.entry.direction === 'downlink') planned.direction = 'downlink';
    if (p.entry.direction === 'downlink' || p.shape.type === 'layer_switch') planned.viewerIds = pickViewers(p.entry, scenario);
    return planned;
  });
  return spikes.sort((a, b) => a.startMs - b.startMs || a.entry - b.entry || a.id.localeCompare(b.id));
}

function chooseSenders(ids: number[], share: number, rng: Rng): Set<number> {
  if (share >= 1) return new Set(ids);
  const count = Math.round(share * ids.length);
  return new Set(shuffleInPlace([...ids], rng).slice(0, count));
}

/** Whether video retransmissions go as RTX (they need NACK answered and video sent). */
function usesRtx(scenario: Scenario): boolean {
  const rtcp = scenario.participants.rtcp;
  return rtcp !== null && rtcp.nack && rtcp.rtx && scenario.media.video !== null;
}

function planParticipants(scenario: Scenario, seed: number, partitions: number): PlannedParticipant[] {
  const { count, firstId, basePort, videoShare, audioShare } = scenario.participants;
  const ids = Array.from({ length: count }, (_, i) => firstId + i);
  const rng = createRng(deriveSeed(seed, 0xa11));
  const videoSenders = chooseSenders(ids, videoShare, rng);
  const audioSenders = chooseSenders(ids, audioShare, rng);
  const usedSsrcs = new Set<number>();
  const uniqueSsrc = (from: Rng = rng): number => {
    let ssrc = from.uint32();
    while (ssrc === 0 || usedSsrcs.has(ssrc)) ssrc = from.uint32();
    usedSsrcs.add(ssrc);
    return ssrc;
  };
  const frameIntervalMs = scenario.media.video ? 1000 / scenario.media.video.fps : (scenario.media.audio?.ptimeMs ?? 20);
  const nextIndex = new Array<number>(partitions).fill(0);
  const planned = ids.map((id, ordinal): PlannedParticipant => {
    const partition = partitionOf(id, partitions);
    const index = nextIndex[partition]++;
    return {
      id,
      partition,
      index,
      port: sourcePort(basePort, partition, index, partitionsShareHost(scenario.backend)),
      videoSsrc: videoSenders.has(id) ? uniqueSsrc() : null,
      audioSsrc: audioSenders.has(id) ? uniqueSsrc() : null,
      startOffsetMs: Math.round(((ordinal * frameIntervalMs) / count) * 1000) / 1000,
      videoSeqStart: rng.int(0, 0xffff),
      audioSeqStart: rng.int(0, 0xffff),
      videoTsStart: rng.uint32(),
      audioTsStart: rng.uint32(),
      videoRtxSsrc: null,
      videoRtxSeqStart: 0,
    };
  });
  // RTX SSRCs come from their own stream of draws, after every media SSRC, so turning RTX on or
  // off leaves the media SSRCs and starts of a seed unchanged.
  const rtxRng = createRng(deriveSeed(seed, 0x7e7));
  const rtx = usesRtx(scenario);
  for (const p of planned) {
    if (!rtx || p.videoSsrc === null) continue;
    p.videoRtxSsrc = uniqueSsrc(rtxRng);
    p.videoRtxSeqStart = rtxRng.int(0, 0xffff);
  }
  // The first simulcast layer is the stream planned above; the others draw from their own stream,
  // after every other SSRC, so turning simulcast on leaves the rest of a seed's plan unchanged.
  const layers = scenario.media.video?.simulcast ?? null;
  if (layers) {
    const layerRng = createRng(deriveSeed(seed, 0x51c));
    for (const p of planned) {
      if (p.videoSsrc === null) continue;
      const top: PlannedLayerStream = { rid: layers[0].rid, ssrc: p.videoSsrc, rtxSsrc: p.videoRtxSsrc, seqStart: p.videoSeqStart, tsStart: p.videoTsStart, rtxSeqStart: p.videoRtxSeqStart };
      p.videoLayers = [top];
      for (const layer of layers.slice(1)) {
        const ssrc = uniqueSsrc(layerRng);
        const rtxSsrc = rtx ? uniqueSsrc(layerRng) : null;
        p.videoLayers.push({ rid: layer.rid, ssrc, rtxSsrc, seqStart: layerRng.int(0, 0xffff), tsStart: p.videoTsStart, rtxSeqStart: rtx ? layerRng.int(0, 0xffff) : 0 });
      }
    }
  }
  return planned;
}

/** An SSRC for the probe's own RTCP that no participant uses. */
function probeSsrc(seed: number, participants: PlannedParticipant[]): number {
  const used = new Set<number>();
  for (const p of participants) {
    for (const s of [p.videoSsrc, p.audioSsrc, p.videoRtxSsrc]) if (s !== null) used.add(s);
    for (const layer of p.videoLayers ?? []) for (const s of [layer.ssrc, layer.rtxSsrc]) if (s !== null) used.add(s);
  }
  const rng = createRng(deriveSeed(seed, 0x9b0e));
  let ssrc = rng.uint32();
  while (ssrc === 0 || used.has(ssrc)) ssrc = rng.uint32();
  return ssrc;
}

/** The plan's extension ids: the RID, repaired RID and MID ones only when layers stamp them. */
function planExtensions(scenario: Scenario): Plan['extensions'] {
  const { layout, participantIdId, absSendTimeId, ridId, repairedRidId, midId } = scenario.extensions;
  return scenario.media.video?.simulcast ? { layout, participantIdId, absSendTimeId, ridId, repairedRidId, midId } : { layout, participantIdId, absSendTimeId };
}

/** The seed a run uses: CLI, else the scenario's, else one derived from the scenario name. */
export function effectiveSeed(scenario: Scenario, override?: number): number {
  return override ?? scenario.seed ?? seedFromText(scenario.name);
}

/**
 * Compiles a validated scenario into the plan: a pure function of (scenario, seed, partitions).
 * Called by `avcm plan`, `avcm test` and the server before anything runs.
 */
export function compile(scenario: Scenario, options: CompileOptions = {}): Plan {
  const seed = effectiveSeed(scenario, options.seed);
  const partitions = resolvePartitions({
    scaling: scenario.scaling,
    participants: scenario.participants.count,
    backend: scenario.backend,
    override: options.partitions,
    cores: options.cores,
  });
  const participants = planParticipants(scenario, seed, partitions);
  const video = scenario.media.video;
  const audio = scenario.media.audio;
  return {
    planVersion: 1,
    scenario: scenario.name,
    description: scenario.description,
    seed,
    durationMs: scenario.durationMs,
    backend: scenario.backend,
    transport: scenario.participants.transport,
    partitions,
    target: scenario.target,
    probeListen: scenario.probeListen,
    rtcp: scenario.participants.rtcp,
    probe: probePlan(scenario, seed, participants),
    basePort: scenario.participants.basePort,
    media: {
      video: video && {
        file: video.file,
        fps: video.fps,
        bitrateKbps: video.bitrateKbps,
        width: video.width,
        height: video.height,
        keyframeIntervalFrames: Math.max(1, Math.round((video.keyframeIntervalMs / 1000) * video.fps)),
        payloadType: video.payloadType,
        rtxPayloadType: video.rtxPayloadType,
        clockRateHz: 90000,
        maxPayloadBytes: video.maxPayloadBytes,
        // Only simulcast plans carry simulcast fields: a plan without it stays as it was before them.
        ...(video.simulcast ? { simulcast: video.simulcast.map((layer) => ({ ...layer })) } : {}),
      },
      audio: audio && {
        file: audio.file,
        ptimeMs: audio.ptimeMs,
        bitrateKbps: audio.bitrateKbps,
        payloadType: audio.payloadType,
        clockRateHz: 48000,
      },
    },
    extensions: planExtensions(scenario),
    participants,
    spikes: planSpikes(scenario, seed, participants.map((p) => p.id)),
    turn: scenario.turn,
    sfu: scenario.sfu,
    // Only plans with a sut: section carry one: every other plan stays byte-identical to before.
    ...(scenario.sut ? { sut: scenario.sut } : {}),
    // Likewise viewers: only scenarios that name them.
    ...(scenario.viewers ? { viewers: scenario.viewers.map((v, index) => ({ index, name: v.name, layer: v.layer ?? video?.simulcast?.[0]?.rid ?? null })) } : {}),
  };
}

/** The probe's settings; `remb` only when turned off, so plans with the default stay as they were. */
function probePlan(scenario: Scenario, seed: number, participants: PlannedParticipant[]): Plan['probe'] {
  const { remb, ...probe } = scenario.probe;
  return { ...probe, rtcpSsrc: probeSsrc(seed, participants), shards: probeShards(scenario.probe.shards, participants.length), ...(remb ? {} : { remb: false }) };
}
