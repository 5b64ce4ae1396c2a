import { describe, expect, it } from 'vitest';
import { compactNtp, compactNtpOf, emptyReportBlock, ntpFraction, ntpSeconds, RtcpReader, writeReceiverReport, type ReportBlock } from '../../../src/rtcp/index.js';
import { ReceptionReport } from '../../../src/session/index.js';

const EPOCH = 1_700_000_000_000;

/** Fills a block and sends it through the RR writer and reader, as a sender would read it. */
function wire(report: ReceptionReport, expected: number, received: number, highest = 1000, jitter = 0, nowEpochMs = EPOCH): ReportBlock {
  const block = emptyReportBlock();
  report.fill(block, 0xc0ff_ee00, expected, received, highest, jitter, nowEpochMs);
  const buf = Buffer.alloc(64);
  const length = writeReceiverReport(buf, 0, 1, [block], 1);
  let read: ReportBlock | null = null;
  new RtcpReader().read(buf, length, { reportBlock: (_reporter, b) => (read = { ...b }) });
  return read!;
}

describe('ReceptionReport (RFC 3550 6.4.1 report blocks, A.3 loss)', () => {
  it('RFC 3550 A.3: fraction lost is over the interval since the previous block; cumulative lost is expected - received', () => {
    const r = new ReceptionReport();
    let b = wire(r, 100, 90);
    expect([b.fractionLost, b.cumulativeLost]).toEqual([Math.floor((10 * 256) / 100), 10]); // 25
    b = wire(r, 300, 250); // interval: 200 expected, 160 received
    expect([b.fractionLost, b.cumulativeLost]).toEqual([Math.floor((40 * 256) / 200), 50]); // 51
    b = wire(r, 400, 350); // nothing lost in this interval
    expect([b.fractionLost, b.cumulativeLost]).toEqual([0, 50]);
    b = wire(r, 400, 350); // no packets at all: no loss to report
    expect([b.fractionLost, b.cumulativeLost]).toEqual([0, 50]);
    b = wire(r, 410, 410); // late packets filled earlier gaps: negative interval loss reports 0
    expect([b.fractionLost, b.cumulativeLost]).toEqual([0, 0]);
    b = wire(r, 420, 0); // everything lost: 255, not 256
    expect(b.fractionLost).toBe(255);
  });

  it('RFC 3550 6.4.1: cumulative lost is signed (duplicates counted as received make it negative)', () => {
    const r = new ReceptionReport();
    expect(wire(r, 100, 103).cumulativeLost).toBe(-3);
  });

  it('carries the extended highest sequence number (mod 2^32) and the jitter in timestamp units', () => {
    const r = new ReceptionReport();
    const b = wire(r, 10, 10, 2 ** 32 + 70_000, 123.6);
    expect(b.extendedHighestSeq).toBe(70_000);
    expect(b.jitter).toBe(124);
    expect(b.ssrc).toBe(0xc0ff_ee00);
  });

  it('RFC 3550 6.4.1: LSR and DLSR are 0 until an SR was heard; then LSR echoes its middle NTP bits and DLSR is the time since, in 1/65536 s', () => {
    const r = new ReceptionReport();
    let b = wire(r, 10, 10);
    expect([b.lsr, b.dlsr]).toEqual([0, 0]);
    const srEpochMs = EPOCH + 1234.567;
    r.onSenderReport(ntpSeconds(srEpochMs), ntpFraction(srEpochMs), EPOCH + 5000);
    expect(r.senderReports).toBe(1);
    b = wire(r, 20, 20, 1000, 0, EPOCH + 6500);
    expect(b.lsr).toBe(compactNtp(srEpochMs));
    expect(b.lsr).toBe(compactNtpOf(ntpSeconds(srEpochMs), ntpFraction(srEpochMs)));
    expect(b.dlsr).toBe(1.5 * 65_536);
    // A later SR replaces the echo.
    r.onSenderReport(ntpSeconds(EPOCH + 9000), ntpFraction(EPOCH + 9000), EPOCH + 9010);
    b = wire(r, 30, 30, 1000, 0, EPOCH + 9010.5);
    expect(b.lsr).toBe(compactNtp(EPOCH + 9000));
    expect(b.dlsr).toBe(Math.round(0.0005 * 65_536));
  });
});
