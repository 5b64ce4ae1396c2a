import { Document, isMap, isSeq, type YAMLMap } from 'yaml';
import type { Conversion } from './to-scenario.js';

/** Where the original sent its participants' RTP: its UDP receiver. */
const ORIGINAL_TARGET = 'udp://127.0.0.1:5002';

/**
 * The converted scenario as YAML for `avcm import > scenario.yaml`: a header saying where it came
 * from and every note of the conversion, the scenario (pool entries one per line), and a
 * commented-out target and assertions to start the gate from (the original had none).
 */
export function renderConversion(conversion: Conversion, source: string): string {
  const doc = new Document(conversion.document);
  const spikes = doc.get('spikes', true);
  if (isSeq(spikes)) {
    for (const entry of spikes.items) {
      if (!isMap(entry)) continue;
      for (const key of ['pool', 'participants']) {
        const value = entry.get(key, true);
        const list = isMap(value) ? value.get('pool', true) : value;
        if (isSeq(list)) for (const item of list.items) if (isMap(item)) (item as YAMLMap).flow = true;
      }
    }
  }
  doc.commentBefore = [
    ` Imported by avcm import from ${source} (the original platform's chaos-test config).`,
    ' Run it: avcm test THIS_FILE    Reference: docs/scenario-reference.md',
    ...conversion.notes.map((n) => ` - ${n}`),
  ].join('\n');
  doc.comment = [
    ' The original sent to its UDP receiver; to measure your system under test instead of',
    ' avcm\'s built-in probe, set its ingress (and probe.listen to its egress):',
    `   target: ${ORIGINAL_TARGET}`,
    ' The original had no assertions; a gate starts with some, e.g.:',
    ' assertions:',
    '   packet_loss_percent: ["p95 < 5"]',
    '   mos: ["avg >= 3.5"]',
    '   baseline: { packet_loss_percent: ["max < 0.5"] }',
    '   during_spikes: { mos: ["avg >= baseline - 0.2"] }   # with avcm test --baseline LAST_RUN.json',
  ].join('\n');
  return doc.toString({ lineWidth: 0 });
}
