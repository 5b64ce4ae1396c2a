import { RTCPeerConnection, type RTCPeerConnectionConfig } from 'werift';
import { AvcmError } from '../errors/index.js';
import type { ExtensionPlan } from '../plan/types.js';
import { ABS_SEND_TIME_URI, PARTICIPANT_ID_URI, avcmCodecs, avcmHeaderExtensions, simulcastExtensionIds, type FeedbackProfile } from './media-profile.js';
import type { IceServer } from './turn-credentials.js';

/** How a peer gathers and chooses ICE candidates. */
export interface IceOptions {
  iceServers: IceServer[];
  /** `relay` forces media through TURN (restrictive networks, TURN tests). Default `all`. */
  iceTransportPolicy?: 'all' | 'relay';
  /**
   * Use IPv4 loopback only (tests on one machine): adds 127.0.0.1 as a host candidate and only
   * pairs with remote candidates on 127.0.0.0/8, so no traffic leaves the host.
   */
  loopbackOnly?: boolean;
}

/** Builds a werift peer with avcm's codecs and header extensions (the simulcast ones too when `simulcast`). */
export function createPeer(media: { videoPayloadType: number | null; audioPayloadType: number | null; extensions: ExtensionPlan; feedback?: FeedbackProfile; simulcast?: boolean }, ice: IceOptions): RTCPeerConnection {
  const config: RTCPeerConnectionConfig = {
    codecs: avcmCodecs(media.videoPayloadType, media.audioPayloadType, media.feedback),
    headerExtensions: avcmHeaderExtensions(media.extensions, media.simulcast ?? false),
    iceServers: ice.iceServers,
    iceTransportPolicy: ice.iceTransportPolicy ?? 'all',
  };
  if (ice.loopbackOnly) {
    config.iceAdditionalHostAddresses = ['127.0.0.1'];
    config.iceUseIpv4 = true;
    config.iceUseIpv6 = false;
    config.iceFilterCandidatePair = (pair) => pair.remoteCandidate.host.startsWith('127.');
  }
  const pc = new RTCPeerConnection(config);
  // werift renumbers configured header extensions 1..n across audio then video; the plan's ids
  // are what the engine stamps, so put them back before any offer or answer is built.
  const ids: Record<string, number> = { [PARTICIPANT_ID_URI]: media.extensions.participantIdId, [ABS_SEND_TIME_URI]: media.extensions.absSendTimeId };
  for (const [id, uri] of simulcastExtensionIds(media.extensions)) ids[uri] = id;
  for (const list of [pc.config.headerExtensions.video, pc.config.headerExtensions.audio]) {
    for (const extension of list ?? []) extension.id = ids[extension.uri] ?? extension.id;
  }
  return pc;
}

/**
 * Resolves once ICE gathering completed, so one SDP carries every candidate (avcm signals without
 * trickle). Bounded: E_NETWORK after `timeoutMs` (a TURN server that never answers).
 */
export async function gatheringComplete(pc: RTCPeerConnection, who: string, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      unSubscribe();
      reject(new AvcmError('E_NETWORK', `${who}: ICE candidate gathering did not finish within ${timeoutMs} ms`, { hint: 'check that the TURN/STUN servers in the scenario are reachable' }));
    }, timeoutMs);
    const { unSubscribe } = pc.iceGatheringStateChange.subscribe((state) => {
      if (state !== 'complete') return;
      clearTimeout(timer);
      unSubscribe();
      resolve();
    });
  });
}

/** Resolves when ICE and DTLS are up; E_NETWORK naming `who` on failure or after `timeoutMs`. */
export async function connectionUp(pc: RTCPeerConnection, who: string, timeoutMs: number): Promise<void> {
  if (pc.connectionState === 'connected') return;
  await new Promise<void>((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      unSubscribe();
      reject(new AvcmError('E_NETWORK', `${who}: WebRTC ${why} (ICE ${pc.iceConnectionState}, connection ${pc.connectionState})`, { hint: 'check that the receiver answered, that the TURN servers are reachable and their secret is right' }));
    };
    const timer = setTimeout(() => fail(`did not connect within ${timeoutMs} ms`), timeoutMs);
    const { unSubscribe } = pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        clearTimeout(timer);
        unSubscribe();
        resolve();
      } else if (state === 'failed' || state === 'closed') {
        fail(`connection ${state}`);
      }
    });
  });
}

/** The selected candidate pair's local candidate type (`host`, `srflx`, `relay`), or null before ICE is up. */
export function selectedLocalCandidateType(pc: RTCPeerConnection): string | null {
  for (const transport of pc.iceTransports) {
    const pair = transport.getSelectedCandidatePair();
    if (!pair) continue;
    const local = pair.local as unknown as { type?: string; candidate?: string };
    if (local.type) return local.type;
    const match = / typ (\w+)/.exec(local.candidate ?? '');
    if (match) return match[1];
  }
  return null;
}
