import type { ExtensionPlan } from '../plan/types.js';
import { ABS_SEND_TIME_URI, PARTICIPANT_ID_URI, simulcastExtensionIds } from './media-profile.js';

/** An RTP header extension element as werift holds it (RFC 8285: id + value bytes). */
export interface ExtensionElement {
  id: number;
  payload: Buffer;
}

/**
 * Maps the extension ids a remote SDP negotiated to the plan's ids, by URI, so the bytes the probe
 * ingests always carry avcm's extensions under `plan.extensions` ids — even when an SFU's offer
 * numbered them differently. Returns null when the remote already uses the plan's ids (the usual
 * case: a participant's offer), so the hot path does nothing. Ids of other URIs map to 0 (drop):
 * after renumbering they could collide with ours, and the probe reads only avcm's own (participant
 * id, abs-send-time, a simulcast layer's RID).
 */
export function extensionRemap(remoteSdp: string, plan: ExtensionPlan): Uint8Array | null {
  const wanted: Record<string, number> = { [PARTICIPANT_ID_URI]: plan.participantIdId, [ABS_SEND_TIME_URI]: plan.absSendTimeId };
  // A simulcast layer's RID names the stream at the probe; MID and repaired RID are kept under the
  // plan's ids too, so a simulcast offer with the plan's ids needs no remap per packet.
  // (Without simulcast those ids may share one of avcm's two: then they are dropped as before.)
  for (const [id, uri] of simulcastExtensionIds(plan)) if (id !== plan.participantIdId && id !== plan.absSendTimeId) wanted[uri] = id;
  const map = new Uint8Array(256);
  let identity = true;
  for (const match of remoteSdp.matchAll(/^a=extmap:(\d+)(?:\/\w+)?\s+(\S+)/gm)) {
    const id = Number(match[1]);
    if (id < 1 || id > 255) continue;
    const target = wanted[match[2]] ?? 0;
    map[id] = target;
    // An unknown URI on an id of ours would be read as ours: that needs the remap too.
    if (target !== id && (target !== 0 || id === plan.participantIdId || id === plan.absSendTimeId || id === plan.ridId)) identity = false;
  }
  return identity ? null : map;
}

/** Applies `extensionRemap`'s table in place: renumbers avcm's extensions, drops the others. */
export function remapExtensions(extensions: ExtensionElement[], map: Uint8Array): ExtensionElement[] {
  let kept = 0;
  for (const element of extensions) {
    const id = map[element.id] ?? 0;
    if (id === 0) continue;
    element.id = id;
    extensions[kept++] = element;
  }
  extensions.length = kept;
  return extensions;
}

/**
 * `remapExtensions` on an RTP packet's bytes, in place (the native path has no parsed packet):
 * renumbers avcm's extensions in the RFC 8285 block and turns every other element into padding
 * (zero bytes, which RFC 8285 parsers skip). One-byte (0xBEDE) and two-byte (0x100X) blocks;
 * other header extension profiles and malformed blocks are left as they are.
 */
export function remapExtensionsInPlace(buf: Uint8Array, length: number, map: Uint8Array): void {
  if (length < 12 || (buf[0] & 0x10) === 0) return;
  let at = 12 + 4 * (buf[0] & 0x0f);
  if (at + 4 > length) return;
  const profile = (buf[at] << 8) | buf[at + 1];
  const end = at + 4 + 4 * ((buf[at + 2] << 8) | buf[at + 3]);
  if (end > length) return;
  at += 4;
  if (profile === 0xbede) {
    while (at < end) {
      const head = buf[at];
      if (head === 0) {
        at++;
        continue;
      }
      const id = head >> 4;
      if (id === 15) return;
      const next = at + 2 + (head & 0x0f);
      if (next > end) return;
      const to = map[id];
      // One-byte elements can only carry ids 1..14.
      if (to === 0 || to > 14) buf.fill(0, at, next);
      else buf[at] = (to << 4) | (head & 0x0f);
      at = next;
    }
  } else if ((profile & 0xfff0) === 0x1000) {
    while (at < end) {
      const id = buf[at];
      if (id === 0) {
        at++;
        continue;
      }
      if (at + 2 > end) return;
      const next = at + 2 + buf[at + 1];
      if (next > end) return;
      const to = map[id];
      if (to === 0) buf.fill(0, at, next);
      else buf[at] = to;
      at = next;
    }
  }
}
