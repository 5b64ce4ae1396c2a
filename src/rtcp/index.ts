/**
 * RTCP wire formats (RFC 3550, RFC 4585, RFC 5104, RFC 5761, REMB) as a leaf like `rtp/`: writers
 * that fill a caller-owned buffer in place and a visitor-style reader, neither allocating per
 * packet. The feedback loop that uses them lives in `session/`.
 */
export {
  RTCP_SR,
  RTCP_RR,
  RTCP_SDES,
  RTCP_BYE,
  RTCP_APP,
  RTCP_RTPFB,
  RTCP_PSFB,
  RTCP_XR,
  FMT_GENERIC_NACK,
  FMT_PLI,
  FMT_FIR,
  FMT_AFB,
  SDES_CNAME,
  isRtcpPacket,
} from './packet-types.js';
export { ntpSeconds, ntpFraction, compactNtp, compactNtpOf, compactNtpToMs, msToCompactNtp, roundTripMs } from './ntp.js';
export {
  SR_BYTES,
  RR_BYTES,
  REPORT_BLOCK_BYTES,
  PLI_BYTES,
  FIR_BYTES,
  emptyReportBlock,
  writeSenderReport,
  writeReceiverReport,
  sdesCnameBytes,
  writeSdesCname,
  byeBytes,
  writeBye,
  nackEntryCount,
  nackBytes,
  writeNack,
  writePli,
  writeFir,
  rembBytes,
  writeRemb,
  type ReportBlock,
} from './write.js';
export { RtcpReader, type RtcpVisitor, type RtcpProblem } from './read.js';
