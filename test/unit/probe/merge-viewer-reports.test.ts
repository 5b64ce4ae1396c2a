import { describe, expect, it } from 'vitest';
import { mergeViewerReports } from '../../../src/probe/index.js';
import type { ProbeReport } from '../../../src/probe/types.js';
import { probeReport, syntheticStream } from '../../helpers/results.js';

function viewerReport(ssrcs: number[], rtcpSent: number): ProbeReport {
  return { ...probeReport(ssrcs.map((ssrc, i) => syntheticStream(1001 + i, 'video', ssrc, 3)), 3), malformedPackets: 1, feedback: { rtcpSent, rtcpReceived: 2, rtcpMalformed: 0, unmatchedRetransmissions: 1 } };
}

describe("the probe's report from its viewers' reports", () => {
  it("concatenates the viewers' streams, each labelled with its viewer, even when two viewers' copies share an SSRC; sums the counters", () => {
    const merged = mergeViewerReports([
      { name: 'alice', report: viewerReport([0x10, 0x11], 5) },
      { name: 'bob', report: viewerReport([0x10], 7) },
    ]);
    expect(merged.streams.map((s) => [s.viewerName, s.participantId, s.ssrc])).toEqual([
      ['alice', 1001, 0x10],
      ['alice', 1002, 0x11],
      ['bob', 1001, 0x10],
    ]);
    expect(merged.malformedPackets).toBe(2);
    expect(merged.feedback).toEqual({ rtcpSent: 12, rtcpReceived: 4, rtcpMalformed: 0, unmatchedRetransmissions: 2 });
    expect(merged.windowCount).toBe(3);
  });

  it('refuses viewers measured over other windows (E_INTERNAL)', () => {
    const other = { ...viewerReport([0x10], 0), windowCount: 4 };
    expect(() => mergeViewerReports([{ name: 'alice', report: viewerReport([0x10], 0) }, { name: 'bob', report: other }])).toThrow(/viewer bob measured other windows/);
  });
});
