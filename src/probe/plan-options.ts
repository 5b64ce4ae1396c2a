import { DownlinkChaos } from '../chaos/index.js';
import type { Plan } from '../plan/types.js';
import type { ProbeOptions } from './receiver.js';

/**
 * The probe's viewer behaviour, RTCP and RTX settings for a plan (the scenario's `probe:` section
 * and the participants' RTX SSRCs, every simulcast layer's too). The probe sends RTCP only when it has something to send: NACKs,
 * PLIs or receiver reports. Each viewer the probe plays has its own receiver with these options:
 * `viewerIndex` (into the plan's viewers; 0 without them) picks the downlink spikes that target
 * that viewer, which make its link.
 */
export function probeFeedbackOptions(plan: Plan, viewerIndex = 0): Pick<ProbeOptions, 'viewer' | 'rtcp' | 'rtx' | 'downlink' | 'layers'> {
  const probe = plan.probe;
  const sendsRtcp = probe.nack || probe.pli || probe.reportIntervalMs !== null;
  const rtxSsrcs = new Map<number, number>();
  for (const p of plan.participants) {
    if (p.videoRtxSsrc !== null && p.videoSsrc !== null) rtxSsrcs.set(p.videoRtxSsrc, p.videoSsrc);
    for (const layer of p.videoLayers ?? []) if (layer.rtxSsrc !== null) rtxSsrcs.set(layer.rtxSsrc, layer.ssrc);
  }
  return {
    viewer: { nack: probe.nack, pli: probe.pli, jitterBuffer: probe.jitterBuffer },
    rtcp: sendsRtcp ? { ssrc: probe.rtcpSsrc, reportIntervalMs: probe.reportIntervalMs, remb: probe.remb !== false && probe.reportIntervalMs !== null } : null,
    rtx: plan.media.video ? { payloadType: plan.media.video.rtxPayloadType, ssrcs: rtxSsrcs } : null,
    layers: plan.media.video?.simulcast ?? null,
    downlink: plan.spikes.some((s) => s.direction === 'downlink') ? new DownlinkChaos(viewerIndex, plan.spikes) : null,
  };
}
