import { largestPartitionSize, PARTITION_PORT_STRIDE, partitionsShareHost, resolvePartitions } from '../plan/partition.js';
import { isSutSpike } from '../plan/types.js';
import { videoBitrateKbps, type Scenario, type SimpleTargetSelector, type SpikeEntry, type SpikeShape } from './scenario.js';
import { formatDuration } from './units.js';

/** A semantic problem before it is located: the path as segments and the message. */
export interface SemanticProblem {
  path: (string | number)[];
  message: string;
}

const RANGED_FIELDS: [keyof SpikeShape, string][] = [
  ['lossPercent', 'loss_percentage'],
  ['baseLatencyMs', 'base_latency_ms'],
  ['jitterStdDevMs', 'jitter_std_dev_ms'],
  ['reductionPercent', 'reduction_percent'],
  ['newBitrateKbps', 'new_bitrate_kbps'],
  ['transitionMs', 'transition'],
  ['dropPercent', 'drop_percentage'],
  ['bandwidthKbps', 'bandwidth_kbps'],
];

/** A selection's problems against the scenario's participants; `at` is the selection's path. */
function checkTargets(targets: SimpleTargetSelector, at: (string | number)[], scenario: Scenario, out: SemanticProblem[]): void {
  const { count, firstId } = scenario.participants;
  const lastId = firstId + count - 1;
  if (targets.kind === 'count' && targets.count > count) {
    out.push({ path: at, message: `targets ${targets.count} participants but the scenario has only ${count}` });
  }
  if (targets.kind === 'countRange') {
    if (targets.min > targets.max) out.push({ path: [...at, 'min'], message: `min ${targets.min} is greater than max ${targets.max}` });
    else if (targets.max > count) out.push({ path: [...at, 'max'], message: `targets up to ${targets.max} participants but the scenario has only ${count}` });
  }
  if (targets.kind === 'ids') {
    const seen = new Set<number>();
    targets.ids.forEach((id, i) => {
      if (id < firstId || id > lastId) {
        out.push({ path: [...at, i], message: `participant id ${id} is outside the participants (${firstId}..${lastId})` });
      }
      if (seen.has(id)) out.push({ path: [...at, i], message: `participant id ${id} is listed twice` });
      seen.add(id);
    });
  }
}

/** What one spike type with its parameters can get wrong (a spike's own, or a pool entry's). */
function checkShape(scenario: Scenario, shape: SpikeShape, at: (string | number)[], out: SemanticProblem[]): void {
  for (const [field, name] of RANGED_FIELDS) {
    const range = shape[field] as { min: number; max: number } | undefined;
    if (range && range.min > range.max) out.push({ path: [...at, name, 'min'], message: `min ${range.min} is greater than max ${range.max}` });
  }
  const video = scenario.media.video;
  if ((shape.type === 'frame_drop' || shape.type === 'bitrate_reduce') && (!video || scenario.participants.videoShare === 0)) {
    out.push({ path: [...at, 'type'], message: `${shape.type} acts on video, but no participant sends video` });
  }
  const videoKbps = video ? videoBitrateKbps(video) : 0;
  if (shape.newBitrateKbps && video && shape.newBitrateKbps.max >= videoKbps) {
    out.push({
      path: [...at, 'new_bitrate_kbps'],
      message: `new_bitrate_kbps ${shape.newBitrateKbps.max} is not below the video bitrate (${videoKbps} kbps${video.simulcast ? ', all simulcast layers' : ''})`,
    });
  }
  if (shape.reductionPercent === undefined && shape.newBitrateKbps === undefined && shape.type === 'bitrate_reduce') {
    out.push({ path: [...at], message: 'bitrate_reduce needs reduction_percent or new_bitrate_kbps' });
  }
}

function checkSpike(scenario: Scenario, spike: SpikeEntry, out: SemanticProblem[]): void {
  const at = ['spikes', spike.index];
  const run = formatDuration(scenario.durationMs);
  const { min, max } = spike.durationMs;
  if (min > max) out.push({ path: [...at, 'duration', 'min'], message: `duration min ${formatDuration(min)} is greater than max ${formatDuration(max)}` });
  if (max > scenario.durationMs) {
    const what = spike.durationGiven ? `spike lasts up to ${formatDuration(max)}` : `the trace lasts ${formatDuration(max)} (the spike's default duration)`;
    out.push({ path: [...at, spike.durationGiven ? 'duration' : 'file'], message: `${what} but the run is only ${run}${spike.durationGiven ? '' : '; give the spike a duration to replay part of it'}` });
  }
  if (spike.atMs !== null && spike.atMs + max > scenario.durationMs) {
    out.push({ path: [...at, 'at'], message: `spike at ${formatDuration(spike.atMs)} lasting ${formatDuration(max)} ends after the run (${run})` });
  }
  if (spike.targets.kind === 'pool') {
    if (spike.targets.options.every((o) => o.weight === 0)) out.push({ path: [...at, 'participants', 'pool'], message: 'every weight is 0: no selection can be drawn' });
    spike.targets.options.forEach((o, i) => checkTargets(o.targets, [...at, 'participants', 'pool', i, 'participants'], scenario, out));
  } else {
    checkTargets(spike.targets, [...at, 'participants'], scenario, out);
  }
  if (spike.pooled && spike.shapes.every((s) => s.weight === 0)) out.push({ path: [...at, 'pool'], message: 'every weight is 0: no spike type can be drawn' });
  for (const option of spike.shapes) checkShape(scenario, option.shape, option.path, out);
}

/** Whether the distributed (no `at`) spikes fit the run with their spacing; null when they do. */
function checkSpacing(scenario: Scenario, out: SemanticProblem[]): void {
  const placed = scenario.spikes.filter((s) => s.atMs === null);
  const events = placed.reduce((sum, s) => sum + s.count, 0);
  if (events === 0) return;
  const d = scenario.distribution;
  const longest = Math.max(...placed.map((s) => s.durationMs.max));
  if (longest > scenario.durationMs) return; // already reported on the spike itself
  const earliest = d.respectMinOffset ? d.minSpacingMs : 0;
  const latest = scenario.durationMs - longest;
  const step = d.strategy === 'legacy' ? d.intervalMs : d.minSpacingMs;
  const needed = earliest + (events - 1) * step;
  if (latest < earliest || needed > latest) {
    const path = d.strategy === 'legacy' && scenario.distribution.intervalMs !== d.minSpacingMs ? ['distribution', 'interval'] : ['distribution', 'min_spacing'];
    out.push({
      path,
      message:
        `${events} spike${events === 1 ? '' : 's'} ${formatDuration(step)} apart` +
        (d.respectMinOffset ? ` after a ${formatDuration(earliest)} offset` : '') +
        ` need ${formatDuration(needed + longest)}, but the run is ${formatDuration(scenario.durationMs)}` +
        ' (shorten spikes, reduce count or spacing, or lengthen the run)',
    });
  }
}

function checkPorts(scenario: Scenario, partitionsOverride: number | undefined, out: SemanticProblem[]): void {
  const { basePort, count, firstId } = scenario.participants;
  if (basePort === 0) return;
  const partitions = resolvePartitions({
    scaling: scenario.scaling,
    participants: count,
    backend: scenario.backend,
    override: partitionsOverride,
  });
  if (!partitionsShareHost(scenario.backend)) return; // each container/pod has its own ports
  const highest = basePort + (partitions - 1) * PARTITION_PORT_STRIDE + largestPartitionSize(firstId, count, partitions) - 1;
  if (highest > 65535) {
    out.push({
      path: ['participants', 'base_port'],
      message: `source ports would reach ${highest} (base_port ${basePort} + ${partitions - 1} x ${PARTITION_PORT_STRIDE} + participants per partition); the highest UDP port is 65535`,
    });
  }
  if (largestPartitionSize(firstId, count, partitions) > PARTITION_PORT_STRIDE && partitions > 1) {
    out.push({
      path: ['participants', 'count'],
      message: `more than ${PARTITION_PORT_STRIDE} participants in one partition would overlap the next partition's ports; use more partitions`,
    });
  }
}

/** Payload types must differ (their ranges are the schema's). */
function checkPayloadTypes(scenario: Scenario, out: SemanticProblem[]): void {
  const video = scenario.media.video;
  const audio = scenario.media.audio;
  if (video && (video.rtxPayloadType === video.payloadType || video.rtxPayloadType === audio?.payloadType)) {
    out.push({ path: ['media', 'video', 'rtx_payload_type'], message: `rtx_payload_type ${video.rtxPayloadType} is already the ${video.rtxPayloadType === video.payloadType ? 'video' : 'audio'} payload type: pick another of 96..127` });
  }
  if (video && audio && video.payloadType === audio.payloadType) {
    out.push({ path: ['media', 'audio', 'payload_type'], message: `audio payload_type ${audio.payloadType} is the video payload type too: give them different payload types` });
  }
}

/** What each `sut_*` spike needs from the scenario's `sut` driver. */
function checkSut(scenario: Scenario, out: SemanticProblem[]): void {
  // Every shape a spike may take (a pool entry too) that acts on the system under test.
  const sutSpikes = scenario.spikes.flatMap((s) => s.shapes).filter((option) => isSutSpike(option.shape.type));
  const sut = scenario.sut;
  if (!sut) {
    for (const option of sutSpikes) {
      out.push({ path: [...option.path, 'type'], message: `${option.shape.type} acts on the system under test, but the scenario has no sut: section (add one with driver: command, docker or k8s)` });
    }
  } else {
    const types = new Set(sutSpikes.map((option) => option.shape.type));
    const missing = (what: string): void => void out.push({ path: ['sut'], message: what });
    if (sut.driver === 'command') {
      if (types.has('sut_restart') && !sut.restart && !(sut.stop && sut.start)) missing('sut_restart needs a restart command, or both stop and start');
      if (types.has('sut_pause') && !(sut.pause && sut.resume)) missing('sut_pause needs both pause and resume commands');
      if (types.has('sut_kill') && !sut.kill && !sut.stop) missing('sut_kill needs a kill (or stop) command');
    }
    if (sut.driver === 'k8s' && types.has('sut_pause') && !sut.deployment) {
      missing('sut_pause on Kubernetes scales the deployment to 0 and back: name it in deployment (pods cannot be frozen)');
    }
  }
  if (sutSpikes.length === 0) {
    const reconnect = scenario.assertions.find((a) => a.metric === 'reconnect_seconds');
    if (reconnect) {
      out.push({ path: reconnect.path.slice(0, -1), message: `"${reconnect.expression}" is measured after sut_* spikes, but the scenario has none` });
    }
  }
}

/**
 * Simulcast layers: highest first with strictly falling bit rates and sizes that never grow (an
 * SFU picks a layer by that order), unique RIDs, and the RFC 8285 extensions that carry them
 * under ids of their own.
 */
function checkSimulcast(scenario: Scenario, out: SemanticProblem[]): void {
  const layers = scenario.media.video?.simulcast;
  if (!layers) return;
  const at = ['media', 'video', 'simulcast'];
  const seen = new Map<string, number>();
  layers.forEach((layer, i) => {
    const first = seen.get(layer.rid);
    if (first !== undefined) out.push({ path: [...at, i, 'rid'], message: `rid "${layer.rid}" is already the rid of layer ${first}: give every layer its own rid` });
    else seen.set(layer.rid, i);
    if (i === 0) return;
    const previous = layers[i - 1];
    if (layer.bitrateKbps >= previous.bitrateKbps) {
      out.push({ path: [...at, i, 'bitrate'], message: `layer ${i} (${layer.rid}) has ${layer.bitrateKbps} kbps, not less than layer ${i - 1} (${previous.rid}, ${previous.bitrateKbps} kbps): list layers highest first, with falling bit rates` });
    }
    if (layer.width > previous.width || layer.height > previous.height) {
      out.push({ path: [...at, i, 'width'], message: `layer ${i} (${layer.rid}) is ${layer.width}x${layer.height}, larger than layer ${i - 1} (${previous.rid}, ${previous.width}x${previous.height}): list layers highest first` });
    }
  });
  const ext = scenario.extensions;
  if (ext.layout !== 'rfc8285') {
    out.push({ path: ['rtp', 'extensions', 'layout'], message: 'simulcast layers carry their RID in an RFC 8285 header extension: use layout rfc8285' });
    return;
  }
  const ids: [string, number][] = [
    ['participant_id', ext.participantIdId],
    ['abs_send_time', ext.absSendTimeId],
    ['rtp_stream_id', ext.ridId],
    ['repaired_rtp_stream_id', ext.repairedRidId],
    ['mid', ext.midId],
  ];
  for (let i = 2; i < ids.length; i++) {
    const clash = ids.slice(0, i).find(([, id]) => id === ids[i][1]);
    if (clash) out.push({ path: ['rtp', 'extensions', ids[i][0]], message: `${ids[i][0]} uses extension id ${ids[i][1]}, the same as ${clash[0]}: simulcast needs distinct ids (1..14)` });
  }
}

/** Spike types that can act on a viewer's downlink: the network's, and whole frames lost on the way (`bitrate_reduce` is an encoder setting). */
const DOWNLINK_TYPES: ReadonlySet<string> = new Set(['rtp_packet_loss', 'network_jitter', 'bandwidth_limit', 'trace', 'frame_drop']);

/**
 * Viewers and what acts on them: unique names; a viewer's layer, a layer_switch's layer and a
 * `layers:` assertion block name simulcast layers; `viewers` on a spike name viewers and only go
 * with downlink spikes and layer_switch; downlink spikes take network types; layer metrics need
 * simulcast. More than one viewer needs an SFU (each viewer subscribes through it; without one the
 * probe receives a single copy). The probe of the docker and k8s backends (`avcm receive`) plays
 * one viewer with no downlink, and WHEP has no way to ask for a layer.
 */
function checkViewers(scenario: Scenario, out: SemanticProblem[]): void {
  const viewers = scenario.viewers;
  const rids = (scenario.media.video?.simulcast ?? []).map((l) => l.rid);
  const ridList = rids.map((r) => `"${r}"`).join(', ');
  const names = new Set<string>();
  const whep = scenario.sfu?.kind === 'whip';
  (viewers ?? []).forEach((viewer, i) => {
    if (names.has(viewer.name)) out.push({ path: ['viewers', i, 'name'], message: `viewer name "${viewer.name}" is used twice: give every viewer its own name` });
    names.add(viewer.name);
  });
  (viewers ?? []).forEach(({ layer }, i) => {
    if (layer === null) return;
    if (rids.length === 0) out.push({ path: ['viewers', i, 'layer'], message: `viewer layer "${layer}" names a simulcast layer, but media.video.simulcast is off` });
    else if (!rids.includes(layer)) out.push({ path: ['viewers', i, 'layer'], message: `layer "${layer}" is not one of the simulcast layers (${ridList})` });
    else if (whep) out.push({ path: ['viewers', i, 'layer'], message: 'WHEP has no way to ask for a simulcast layer: remove layer (the SFU picks one) or use sfu kind janus-videoroom' });
  });
  // Without an SFU the participants send one copy of their media, to the probe: a second viewer would have nothing of its own to receive.
  if (viewers && viewers.length > 1 && !scenario.sfu) {
    out.push({
      path: ['viewers'],
      message: `${viewers.length} viewers need an sfu: without one the participants send a single copy of their media to the probe, which plays one viewer; add an sfu section (each viewer then subscribes through it) or keep one viewer`,
    });
  }
  if (viewers && scenario.backend !== 'local') {
    out.push({ path: ['viewers'], message: `viewers are played by the local probe; the ${scenario.backend} backend's probe measures one viewer: remove viewers or use backend local` });
  }
  for (const spike of scenario.spikes) {
    const at = ['spikes', spike.index];
    const types = spike.shapes.map((option) => option.shape.type);
    const layerSwitch = types.includes('layer_switch');
    if (spike.directionGiven && (layerSwitch || types.some((t) => isSutSpike(t)))) {
      out.push({ path: [...at, 'direction'], message: `${layerSwitch ? 'layer_switch acts on the viewers\' subscriptions' : 'sut_* spikes act on the system under test'}: direction does not apply, remove it` });
    }
    if (spike.direction === 'downlink') {
      for (const option of spike.shapes) {
        // layer_switch and sut_* were told above that direction does not apply.
        if (DOWNLINK_TYPES.has(option.shape.type) || option.shape.type === 'layer_switch' || isSutSpike(option.shape.type)) continue;
        const why = option.shape.type === 'bitrate_reduce' ? 'is an encoder setting of the publisher; a viewer\'s narrow link is a downlink bandwidth_limit' : 'cannot act on a downlink';
        out.push({ path: [...option.path, 'type'], message: `${option.shape.type} ${why}` });
      }
      if (scenario.backend !== 'local') out.push({ path: [...at, 'direction'], message: `downlink spikes act in the local probe; the ${scenario.backend} backend's probe has no downlink: use backend local` });
    }
    if (spike.viewersGiven && spike.direction !== 'downlink' && !layerSwitch) {
      out.push({ path: [...at, 'viewers'], message: 'viewers selects whom a downlink spike or a layer_switch acts on: add direction: downlink, or remove viewers' });
    }
    if (spike.viewersGiven && spike.viewers !== 'all') {
      spike.viewers.forEach((name, i) => {
        if (!viewers) out.push({ path: [...at, 'viewers', i], message: `viewer "${name}" is not defined: the scenario has no viewers section` });
        else if (!names.has(name)) out.push({ path: [...at, 'viewers', i], message: `viewer "${name}" is not one of the viewers (${[...names].map((n) => `"${n}"`).join(', ')})` });
      });
    }
    for (const option of spike.shapes) {
      if (option.shape.type !== 'layer_switch') continue;
      const layer = option.shape.layer ?? '';
      if (rids.length === 0) out.push({ path: [...option.path, 'layer'], message: 'layer_switch switches between simulcast layers, but media.video.simulcast is off' });
      else if (!rids.includes(layer)) out.push({ path: [...option.path, 'layer'], message: `layer "${layer}" is not one of the simulcast layers (${ridList})` });
      if (!viewers) out.push({ path: [...option.path, 'type'], message: 'layer_switch switches viewers\' subscriptions: add a viewers section (each viewer subscribes to one layer)' });
      if (whep) out.push({ path: [...option.path, 'type'], message: 'WHEP has no way to ask for a simulcast layer: layer_switch needs sfu kind janus-videoroom (or the built-in probe)' });
    }
  }
  const layerMetrics = scenario.assertions.filter((a) => a.metric === 'layer' || a.metric === 'layer_switches' || a.metric === 'layer_switch_ms' || a.layer !== null);
  const reported = new Set<string>();
  for (const a of layerMetrics) {
    // The metric's list, or the layers block's entry for the rid (the path ends in metric and index): one problem per place.
    const place = a.path.slice(0, a.layer !== null ? -2 : -1);
    const key = place.join('/');
    if (reported.has(key)) continue;
    if (rids.length === 0) {
      out.push({ path: place, message: `"${a.expression}" is measured on simulcast layers, but media.video.simulcast is off` });
      reported.add(key);
    } else if (a.layer !== null && !rids.includes(a.layer)) {
      out.push({ path: place, message: `layer "${a.layer}" is not one of the simulcast layers (${ridList})` });
      reported.add(key);
    }
  }
  const switches = scenario.spikes.some((s) => s.direction === 'downlink' || s.shapes.some((o) => o.shape.type === 'layer_switch'));
  const timed = scenario.assertions.find((a) => a.metric === 'layer_switch_ms');
  if (timed && !switches && rids.length > 0) {
    out.push({ path: timed.path.slice(0, -1), message: `"${timed.expression}" times layer switches from their cause (a layer_switch, or a downlink spike), but the scenario has neither` });
  }
}

/**
 * `viewers:` assertion blocks name viewers of the `viewers:` section (one problem per block), and a
 * viewer's `during_spikes` block needs a spike that acts on that viewer's streams: an uplink or
 * `sut_*` spike (every viewer receives what it did), or a downlink spike or layer_switch naming it.
 */
function checkViewerAssertions(scenario: Scenario, out: SemanticProblem[]): void {
  const viewers = scenario.viewers;
  const names = (viewers ?? []).map((v) => v.name);
  const reported = new Set<string>();
  for (const a of scenario.assertions) {
    if (a.viewer === null) continue;
    // The viewer's entry: the path up to and including its name.
    const place = a.path.slice(0, a.path.indexOf('viewers') + 2);
    const key = place.join('/');
    if (reported.has(key)) continue;
    if (!viewers) {
      out.push({ path: place, message: `viewer "${a.viewer}" is not defined: the scenario has no viewers section (add viewers: [{ name: ${a.viewer} }], or move these assertions out of the viewers block)` });
      reported.add(key);
    } else if (!names.includes(a.viewer)) {
      out.push({ path: place, message: `viewer "${a.viewer}" is not one of the viewers (${names.map((n) => `"${n}"`).join(', ')})` });
      reported.add(key);
    } else if (a.scope === 'during_spikes' && scenario.spikes.length > 0 && !scenario.spikes.some((spike) => spikeReachesViewer(spike, a.viewer!))) {
      out.push({ path: place, message: `"${a.expression}" is measured during the spikes that act on viewer ${a.viewer}, but no spike does (its downlink spikes and layer_switch name other viewers)` });
      reported.add(key);
    }
  }
}

/** Whether a spike is in the `during_spikes` windows of a viewer's streams (see the verdict's per-viewer spike scoping). */
function spikeReachesViewer(spike: SpikeEntry, viewer: string): boolean {
  if (spike.viewers === 'all' || spike.viewers.includes(viewer)) return true;
  // A pool may draw an uplink type, which every viewer receives.
  return spike.direction !== 'downlink' && spike.shapes.some((o) => o.shape.type !== 'layer_switch');
}

/** Checks that need the whole scenario (the schema cannot express them). */
export function semanticProblems(scenario: Scenario, options: { partitions?: number } = {}): SemanticProblem[] {
  const out: SemanticProblem[] = [];
  scenario.spikes.forEach((spike) => checkSpike(scenario, spike, out));
  checkSpacing(scenario, out);
  checkPorts(scenario, options.partitions, out);
  checkPayloadTypes(scenario, out);
  checkSut(scenario, out);
  checkSimulcast(scenario, out);
  checkViewers(scenario, out);
  checkViewerAssertions(scenario, out);
  if (scenario.spikes.length === 0) {
    const scoped = scenario.assertions.find((a) => a.scope === 'during_spikes' || a.metric === 'recovery_seconds');
    if (scoped) {
      const path = scoped.metric === 'recovery_seconds' ? ['assertions', 'recovery_seconds'] : ['assertions', 'during_spikes'];
      out.push({ path, message: `"${scoped.expression}" needs spikes, but the scenario has none` });
    }
  }
  if (scenario.participants.videoShare === 0 && scenario.participants.audioShare === 0) {
    out.push({ path: ['participants'], message: 'no participant sends any media (video and audio are both off)' });
  }
  if (scenario.turn && scenario.participants.transport !== 'webrtc') {
    out.push({ path: ['turn'], message: 'turn is only used with participants.transport: webrtc' });
  }
  if (scenario.turn && scenario.turn.ttlSeconds * 1000 < scenario.durationMs) {
    out.push({ path: ['turn', 'ttl'], message: `TURN credentials valid for ${formatDuration(scenario.turn.ttlSeconds * 1000)} would expire during the ${formatDuration(scenario.durationMs)} run: make ttl at least the duration` });
  }
  if (scenario.extensions.layout === 'rfc8285' && scenario.extensions.participantIdId === scenario.extensions.absSendTimeId) {
    out.push({ path: ['rtp', 'extensions', 'abs_send_time'], message: `abs_send_time uses extension id ${scenario.extensions.absSendTimeId}, the same as participant_id: give them different ids (1..14)` });
  }
  if (scenario.sfu && scenario.participants.transport !== 'webrtc') {
    out.push({ path: ['participants', 'transport'], message: `sfu ${scenario.sfu.kind} publishes over WebRTC: set participants.transport: webrtc` });
  }
  if (scenario.sfu && scenario.target) {
    out.push({ path: ['target'], message: 'with sfu: participants publish through the SFU signaling; remove target' });
  }
  return out;
}
