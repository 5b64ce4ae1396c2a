import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Registry } from 'prom-client';
import type { EngineStats } from '../engine/engine-stats.js';

/**
 * An engine process's own /metrics (what the StatefulSet's prometheus.io/scrape annotation points
 * at): the partition's counters, read from the engine's stats when scraped, never per packet.
 * Labels: the partition only. `port` is the bound one (0 asks for an ephemeral port).
 */
export async function serveEngineMetrics(port: number, partition: number, snapshot: () => EngineStats): Promise<{ readonly port: number; close(): Promise<void> }> {
  const registry = new Registry();
  registry.setDefaultLabels({ partition: String(partition) });
  const registers = [registry];
  const sent = new Counter({ name: 'av_chaos_monkey_packets_sent_total', help: 'RTP packets sent by this partition.', registers });
  const bytes = new Counter({ name: 'av_chaos_monkey_bytes_sent_total', help: 'RTP bytes sent by this partition.', registers });
  const dropped = new Counter({ name: 'avcm_packets_dropped_by_spikes_total', help: 'Packets the chaos stages dropped (loss, bandwidth tail drop).', registers });
  const errors = new Counter({ name: 'avcm_send_errors_total', help: 'Socket send errors.', registers });
  const participants = new Gauge({ name: 'avcm_participants_active', help: 'Participants of this partition.', registers });
  const spikes = new Gauge({ name: 'av_chaos_monkey_spikes_active', help: 'Spikes active on this partition.', registers });
  const lateness = new Gauge({ name: 'avcm_pacing_lateness_max_seconds', help: 'Largest pacing lateness so far, seconds.', registers });
  // The feedback loop at this partition's senders (the same names as `avcm serve` exposes for whole runs).
  const retransmissions = new Counter({ name: 'avcm_sender_retransmissions_sent_total', help: 'Packets retransmitted in answer to NACKs (RTX or the same packet; W3C retransmittedPacketsSent).', registers });
  const keyframes = new Counter({ name: 'avcm_sender_keyframes_sent_total', help: 'Keyframes sent in answer to PLI/FIR.', registers });
  const rtcpReceived = new Counter({ name: 'avcm_sender_rtcp_received_total', help: 'RTCP compound packets received (reports, NACK, PLI, FIR, REMB).', registers });
  const setCounter = (counter: Counter, value: number): void => {
    counter.reset();
    counter.inc(value);
  };
  const server = http.createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    const s = snapshot();
    setCounter(sent, s.packetsSent);
    setCounter(bytes, s.bytesSent);
    setCounter(dropped, s.packetsDroppedByChaos);
    setCounter(errors, s.sendErrors);
    setCounter(retransmissions, s.retransmissionsSent);
    setCounter(keyframes, s.keyframesSent);
    setCounter(rtcpReceived, s.rtcpReceived);
    participants.set(s.participants);
    spikes.set(s.activeSpikes);
    lateness.set(s.lateness.maxMs / 1000);
    void registry.metrics().then((body) => response.writeHead(200, { 'content-type': registry.contentType }).end(body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '0.0.0.0', resolve);
  });
  return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
