import { classifyH264Payload, PAYLOAD_SPS, SpsReader, type ParsedRtp, type SpsResolution } from '../rtp/index.js';
import type { StreamLayers } from './types.js';
import type { LayerChange } from './viewer-stats.js';

/** One simulcast layer as the probe recognises it: its RID and picture size (the plan's `media.video.simulcast`). */
export interface KnownLayer {
  rid: string;
  width: number;
  height: number;
}

/** Layer changes kept per stream (`StreamLayers.changes`); more are only counted. */
const MAX_CHANGES = 256;

/**
 * Which simulcast layer a video stream carries, per packet: from the RID the packets carry (an
 * avcm publisher sent straight to the probe) or else from the picture size in the SPS that leads
 * each keyframe (what a viewer behind an SFU sees: Janus rewrites SSRCs and drops the RID). Layer
 * numbers count from 0 = the lowest (Janus's `substream` numbering); `layers` is given highest
 * first, as the scenario lists them. Counts bytes and completed frames (marker bit) per layer and
 * window, and records each change (at the first packet of the new layer's keyframe, or the first
 * packet with a new RID). Allocates only when a window or a change is first seen.
 */
export class LayerTracker {
  private readonly reader = new SpsReader();
  private readonly size: SpsResolution = { width: 0, height: 0 };
  private readonly frames: number[][];
  private readonly bytes: number[][];
  private readonly changes: LayerChange[] = [];
  private moreChanges = 0;
  /** The layer the stream carries now; -1 until known. */
  current = -1;
  /** Run ms of the packet `onPacket` handles next, set by the caller. */
  arrivalMs = 0;

  constructor(private readonly layers: readonly KnownLayer[]) {
    this.frames = layers.map(() => []);
    this.bytes = layers.map(() => []);
  }

  /** The layer number (0 = the lowest) of a RID, or -1 when it names no known layer. */
  layerOfRid(rid: string | null): number {
    if (rid === null) return -1;
    const at = this.layers.findIndex((l) => l.rid === rid);
    return at < 0 ? -1 : this.layers.length - 1 - at;
  }

  /** The layer whose height is nearest to `height` (an SFU or encoder may round the size a little). */
  private layerOfSize(width: number, height: number): number {
    let best = -1;
    let bestDistance = Infinity;
    for (let i = 0; i < this.layers.length; i++) {
      const distance = Math.abs(this.layers[i].height - height) + Math.abs(this.layers[i].width - width);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = this.layers.length - 1 - i;
      }
    }
    return best;
  }

  /**
   * A media packet of the stream (`p` parsed from `buf`, `length` bytes) in window `windowIndex`,
   * arrived at the `arrivalMs` field (run ms; a field, as a float argument would be boxed);
   * `ridLayer` is the layer its RID names (-1: none).
   */
  onPacket(buf: Uint8Array, p: ParsedRtp, length: number, windowIndex: number, ridLayer: number): void {
    const arrivalMs = this.arrivalMs;
    let layer = ridLayer;
    if (layer < 0 && (classifyH264Payload(buf, p.payloadOffset, p.payloadLength) & PAYLOAD_SPS) !== 0 && this.reader.readPayload(buf, p.payloadOffset, p.payloadLength, this.size)) {
      layer = this.layerOfSize(this.size.width, this.size.height);
    }
    if (layer >= 0 && layer !== this.current) {
      this.current = layer;
      if (this.changes.length < MAX_CHANGES) this.changes.push({ atMs: arrivalMs, layer });
      else this.moreChanges++;
    }
    if (this.current < 0) return;
    const bytes = this.bytes[this.current];
    const frames = this.frames[this.current];
    while (bytes.length <= windowIndex) {
      bytes.push(0);
      frames.push(0);
    }
    bytes[windowIndex] += length;
    if (p.marker) frames[windowIndex]++;
  }

  /** The figures over `windowCount` windows (dense from 0), or undefined when no layer was ever recognised. */
  report(windowCount: number): StreamLayers | undefined {
    if (this.changes.length === 0) return undefined;
    const dense = (rows: number[][]): number[][] => rows.map((row) => Array.from({ length: windowCount }, (_, w) => row[w] ?? 0));
    // Index by layer number (0 = the lowest): the arrays above are kept in the same numbering.
    return { frames: dense(this.frames), bytes: dense(this.bytes), changes: this.changes.map((c) => ({ ...c })), moreChanges: this.moreChanges };
  }
}
