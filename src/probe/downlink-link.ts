import { DROP, type DownlinkChaos } from '../chaos/index.js';
import { DueHeap } from '../session/index.js';
import type { ReturnPath } from './receiver-session.js';

/** Datagrams a viewer's link holds at once (a bandwidth queue's backlog, jitter): beyond it a packet is lost, as a full router queue loses it. */
const HELD_PACKETS = 4096;
/** Bytes per held datagram: RTP over UDP on an Ethernet path; a larger one is lost on the link. */
const SLOT_BYTES = 1500;

/** `DownlinkLink.admit`'s answers. */
export const LINK_PASS = 0;
export const LINK_HELD = 1;
export const LINK_DROPPED = 2;

/** Where the link hands a held datagram when it leaves (the probe's ingest, with the leave time as the arrival). */
export type LinkRelease = (buf: Uint8Array, length: number, participantId: number, returnPath: ReturnPath | null) => void;

/**
 * A viewer's downlink at the probe: each media or RTX datagram the viewer receives first crosses
 * the viewer's `DownlinkChaos` (loss, delay, jitter, bandwidth), so the probe measures, NACKs and
 * plays out what the viewer's lossy or narrow link delivers, without root and per viewer.
 * Datagrams the link delays are copied into preallocated slots and released in leave-time order
 * by `releaseDue` (the probe calls it every feedback tick and before each new datagram). Allocates
 * nothing per packet; the slots (6 MiB) only exist for probes with downlink spikes.
 */
export class DownlinkLink {
  private readonly slots: Buffer[] = [];
  private readonly lengths = new Int32Array(HELD_PACKETS);
  private readonly participants = new Int32Array(HELD_PACKETS);
  private readonly paths: (ReturnPath | null)[] = new Array<ReturnPath | null>(HELD_PACKETS).fill(null);
  private readonly free = new Int32Array(HELD_PACKETS);
  private freeCount = HELD_PACKETS;
  private readonly due = new DueHeap(HELD_PACKETS);
  /** Datagrams the link lost (its stages, or a full or too-small hold). */
  dropped = 0;
  /** Datagrams the link delayed. */
  held = 0;

  /** Per video SSRC (`ssrc | 0`): the RTP timestamp of its current frame and whether the link loses that frame (frame_drop). */
  private readonly frames = new Map<number, { timestamp: number; dropped: boolean }>();
  private readonly framesAct: boolean;

  constructor(private readonly chaos: DownlinkChaos) {
    this.framesAct = chaos.hasFrameStages();
    for (let i = 0; i < HELD_PACKETS; i++) {
      this.slots.push(Buffer.alloc(SLOT_BYTES));
      this.free[i] = HELD_PACKETS - 1 - i;
    }
  }

  /** Run ms now, set by the caller before `admit` and `releaseDue` (a field: a float argument would be boxed per packet). */
  nowMs = 0;

  /**
   * A datagram of `participantId` (-1: unknown, then only spikes on every participant act) that
   * reached the viewer's link at `nowMs` (the field, run ms): LINK_PASS (ingest it now), LINK_HELD
   * (copied; `releaseDue` hands it over later) or LINK_DROPPED.
   */
  admit(buf: Uint8Array, length: number, participantId: number, returnPath: ReturnPath | null): number {
    const nowMs = this.nowMs;
    if (!this.chaos.mayAct(nowMs)) return LINK_PASS;
    const leaveMs = this.chaos.processPacket(length, nowMs, participantId);
    if (leaveMs === DROP) {
      this.dropped++;
      return LINK_DROPPED;
    }
    if (leaveMs <= nowMs) return LINK_PASS;
    if (this.freeCount === 0 || length > SLOT_BYTES) {
      this.dropped++;
      return LINK_DROPPED;
    }
    const slot = this.free[--this.freeCount];
    this.slots[slot].set(buf.subarray(0, length), 0);
    this.lengths[slot] = length;
    this.participants[slot] = participantId;
    this.paths[slot] = returnPath;
    this.due.push(leaveMs, slot);
    this.held++;
    return LINK_HELD;
  }

  /**
   * frame_drop on the link, per video packet (at the `nowMs` field): whether it belongs to a frame
   * the link loses whole. Asked once per frame, at the first packet of a new RTP timestamp of the
   * SSRC; keyframes are never lost this way. Allocates only a stream's state on its first packet.
   */
  dropsFramePacket(ssrc: number, timestamp: number, keyframe: boolean, participantId: number): boolean {
    if (!this.framesAct || !this.chaos.mayAct(this.nowMs)) return false;
    let frame = this.frames.get(ssrc | 0);
    if (frame === undefined) {
      frame = { timestamp: timestamp + 1, dropped: false };
      this.frames.set(ssrc | 0, frame);
    }
    if (frame.timestamp !== timestamp) {
      frame.timestamp = timestamp;
      frame.dropped = this.chaos.dropsFrame(keyframe, this.nowMs, participantId);
    }
    if (frame.dropped) this.dropped++;
    return frame.dropped;
  }

  /** Earliest leave time held (run ms), Infinity when the link is empty. */
  get nextLeaveMs(): number {
    return this.due.peekDueMs();
  }

  /**
   * The leave time (run ms) of the datagram being released: read by the `release` handler (a
   * field, because a float passed as an argument to a call V8 does not inline is boxed).
   */
  releasedLeaveMs = 0;

  /** Hands over every held datagram due by `nowMs` (the field, run ms), earliest first. */
  releaseDue(release: LinkRelease): void {
    const nowMs = this.nowMs;
    while (this.due.peekDueMs() <= nowMs) {
      this.releasedLeaveMs = this.due.peekDueMs();
      const slot = this.due.popDue(nowMs);
      // The slot is free again before the handler runs: it may admit nothing (released datagrams skip the link), but stays consistent either way.
      this.free[this.freeCount++] = slot;
      const path = this.paths[slot];
      this.paths[slot] = null;
      release(this.slots[slot], this.lengths[slot], this.participants[slot], path);
    }
  }
}
