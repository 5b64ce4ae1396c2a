import os from 'node:os';
import type { Plan } from '../plan/index.js';

/** The fixed UDP ports a run binds on the machine that runs its engines and probe. */
export interface HostPorts {
  /** Participants' source ports (base_port + partition*10000 + index); empty with ephemeral ports. */
  source: number[];
  /** The built-in probe's fixed listen port, when it listens on this machine on a fixed one. */
  probe: number | null;
}

/**
 * What a plan binds on this host when run by a backend whose partitions share it (local): the
 * participants' fixed source ports (plain UDP only: WebRTC participants' ICE picks its own) and
 * the probe's fixed listen port. Pure: the same plan gives the same ports.
 */
export function hostPortsOf(plan: Plan, options: { probeIsLocal: boolean }): HostPorts {
  const shared = plan.backend === 'local' || plan.backend === 'docker';
  const source = shared && plan.transport === 'udp' ? plan.participants.map((p) => p.port).filter((port) => port > 0) : [];
  const listen = plan.probeListen ?? (options.probeIsLocal ? plan.target : null);
  const probe = plan.backend === 'local' && plan.transport === 'udp' && plan.sfu === null && listen && listen.port > 0 ? listen.port : null;
  return { source, probe };
}

/** Whether `host` is this machine: loopback, the wildcard, or one of its interfaces' addresses. */
export function isLocalHost(host: string): boolean {
  if (host === 'localhost' || host.startsWith('127.') || host === '::1' || host === '0.0.0.0' || host === '::') return true;
  return Object.values(os.networkInterfaces()).some((list) => list?.some((a) => a.address === host));
}
