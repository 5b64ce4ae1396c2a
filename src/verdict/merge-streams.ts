import type { StreamReport, ViewerField, ViewerReport, WindowStats } from '../probe/index.js';

/** A participant's stream as the viewer followed it: one or more SSRCs it arrived under. */
export interface MergedStream extends StreamReport {
  /** Every SSRC the stream arrived under, in order of first arrival (one unless the SFU renumbered it). */
  ssrcs: number[];
}

/**
 * Joins the streams of one participant and medium that arrived under several SSRCs into one. An
 * SFU that restarts gives the streams it forwards new SSRCs (Janus draws them per subscription),
 * so after a `sut_restart` the probe sees participant 1001's video as two streams: the one that
 * stopped and the one that came back. A viewer follows one picture; so does the verdict, or the
 * old stream would count as never recovered and the new one as missing its first seconds.
 *
 * Window counters add up (the report's counters are mergeable); jitter is the received-weighted
 * mean, delay the received-weighted mean of the windows' means (and the max of their maxima).
 * Silences become the spans the joined streams leave uncovered. Streams with no participant id
 * (nothing to tell them apart by) are never joined, nor are simulcast layers (different RIDs), nor
 * the copies different viewers received (`viewerName`). Pure.
 */
export function mergeRenumberedStreams(streams: readonly StreamReport[]): MergedStream[] {
  const groups = new Map<string, StreamReport[]>();
  for (const stream of streams) {
    // A simulcast publisher's layers are streams of their own at the same time: the RID keeps them apart.
    // Each viewer received its own copy of a participant's streams: they are never joined across viewers.
    const key = stream.participantId === null ? `ssrc:${stream.viewerName ?? ''}:${stream.ssrc}` : `${stream.viewerName ?? ''}:${stream.participantId}:${stream.media}:${stream.rid ?? ''}`;
    const group = groups.get(key);
    if (group) group.push(stream);
    else groups.set(key, [stream]);
  }
  return [...groups.values()].map((group) => (group.length === 1 ? { ...group[0], ssrcs: [group[0].ssrc] } : merge(group)));
}

function merge(group: StreamReport[]): MergedStream {
  const parts = [...group].sort((a, b) => a.firstSeenMs - b.firstSeenMs);
  const first = parts[0];
  const windowCount = Math.max(...parts.map((p) => p.windows.length));
  const windows: WindowStats[] = [];
  for (let i = 0; i < windowCount; i++) windows.push(mergeWindow(i, parts.map((p) => p.windows[i]).filter((w): w is WindowStats => w !== undefined)));
  const sum = (field: keyof StreamReport['totals']): number => parts.reduce((s, p) => s + p.totals[field], 0);
  return {
    ssrc: first.ssrc,
    ssrcs: parts.map((p) => p.ssrc),
    participantId: first.participantId,
    media: first.media,
    ...(first.rid !== undefined ? { rid: first.rid } : {}),
    ...(first.viewerName !== undefined ? { viewerName: first.viewerName } : {}),
    payloadType: first.payloadType,
    firstSeenMs: first.firstSeenMs,
    lastSeenMs: Math.max(...parts.map((p) => p.lastSeenMs)),
    totals: {
      received: sum('received'),
      expected: sum('expected'),
      lost: sum('lost'),
      duplicates: sum('duplicates'),
      reordered: sum('reordered'),
      bytes: sum('bytes'),
      jitterMs: parts[parts.length - 1].totals.jitterMs,
      frames: sum('frames'),
    },
    windows,
    viewer: parts.every((p) => p.viewer !== null) ? mergeViewers(parts.map((p) => p.viewer!)) : null,
    silences: uncovered(parts),
    ...mergeLayers(parts),
  };
}

/** The joined streams' layer figures: counts added per layer and window, changes in time order (a repeat of the same layer dropped). */
function mergeLayers(parts: StreamReport[]): Pick<StreamReport, 'layers'> {
  const withLayers = parts.filter((p) => p.layers !== undefined).map((p) => p.layers!);
  if (withLayers.length === 0) return {};
  const add = (field: 'frames' | 'bytes'): number[][] => {
    const rows = Math.max(...withLayers.map((l) => l[field].length));
    return Array.from({ length: rows }, (_, layer) => {
      const columns = Math.max(...withLayers.map((l) => l[field][layer]?.length ?? 0));
      return Array.from({ length: columns }, (_, w) => withLayers.reduce((sum, l) => sum + (l[field][layer]?.[w] ?? 0), 0));
    });
  };
  const changes = withLayers.flatMap((l) => l.changes).sort((a, b) => a.atMs - b.atMs).filter((c, i, all) => i === 0 || all[i - 1].layer !== c.layer);
  return { layers: { frames: add('frames'), bytes: add('bytes'), changes, moreChanges: withLayers.reduce((sum, l) => sum + l.moreChanges, 0) } };
}

function mergeWindow(index: number, parts: WindowStats[]): WindowStats {
  const out: WindowStats = { index, received: 0, expected: 0, lost: 0, duplicates: 0, reordered: 0, bytes: 0, jitterMs: 0, delayMsAvg: null, delayMsMax: null, frames: 0 };
  let jitterWeighted = 0;
  let delayWeighted = 0;
  let delayReceived = 0;
  for (const w of parts) {
    out.received += w.received;
    out.expected += w.expected;
    out.lost += w.lost;
    out.duplicates += w.duplicates;
    out.reordered += w.reordered;
    out.bytes += w.bytes;
    out.frames += w.frames;
    jitterWeighted += w.jitterMs * w.received;
    if (w.delayMsAvg !== null) {
      delayWeighted += w.delayMsAvg * w.received;
      delayReceived += w.received;
    }
    if (w.delayMsMax !== null) out.delayMsMax = Math.max(out.delayMsMax ?? 0, w.delayMsMax);
  }
  if (out.received > 0) out.jitterMs = jitterWeighted / out.received;
  if (delayReceived > 0) out.delayMsAvg = delayWeighted / delayReceived;
  return out;
}

function mergeViewers(viewers: ViewerReport[]): ViewerReport {
  const totals = { ...viewers[0].totals };
  const windows = Object.fromEntries(Object.entries(viewers[0].windows).map(([field, column]) => [field, [...column]])) as Record<ViewerField, number[]>;
  for (const viewer of viewers.slice(1)) {
    for (const field of Object.keys(totals) as ViewerField[]) {
      totals[field] += viewer.totals[field];
      const column = windows[field];
      viewer.windows[field].forEach((value, i) => (column[i] = (column[i] ?? 0) + value));
    }
  }
  return { totals, windows };
}

/** The spans between the first and the last arrival that no part covered (a part covers its first to last arrival, less its own silences). */
function uncovered(parts: StreamReport[]): { startMs: number; endMs: number }[] {
  const covered: [number, number][] = [];
  for (const part of parts) {
    let from = part.firstSeenMs;
    for (const silence of part.silences ?? []) {
      covered.push([from, silence.startMs]);
      from = silence.endMs;
    }
    covered.push([from, part.lastSeenMs]);
  }
  covered.sort((a, b) => a[0] - b[0]);
  const holes: { startMs: number; endMs: number }[] = [];
  let reach = covered[0][1];
  for (const [start, end] of covered.slice(1)) {
    if (start > reach) holes.push({ startMs: reach, endMs: start });
    reach = Math.max(reach, end);
  }
  return holes;
}
