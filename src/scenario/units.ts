/**
 * Parsers for the scenario language's unit-bearing values. Called by validation (to report bad
 * values with their location) and by normalization (to turn them into plain numbers).
 * Each returns null on malformed input so callers can attach a location to the problem.
 */
import { checkUdpUrl, type UdpUrl } from './endpoints.js';

export type { UdpUrl };

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "90s", "2m", "1h30m", "250ms", "1.5s" or a number of seconds -> milliseconds. */
export function parseDurationMs(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : null;
  if (typeof value !== 'string' || value.length === 0) return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  DURATION_PART.lastIndex = 0;
  let totalMs = 0;
  let consumed = 0;
  while (consumed < text.length) {
    DURATION_PART.lastIndex = consumed;
    const match = DURATION_PART.exec(text);
    if (!match) return null;
    totalMs += Number(match[1]) * UNIT_MS[match[2]];
    consumed = DURATION_PART.lastIndex;
  }
  return Math.round(totalMs);
}

const RATE = /^(\d+(?:\.\d+)?)\s*(bps|kbps|mbps|gbps)$/i;
const RATE_KBPS: Record<string, number> = { bps: 0.001, kbps: 1, mbps: 1000, gbps: 1_000_000 };

/** "2500kbps", "2.5mbps", "64000bps" or a number of kbit/s -> kbit/s (0 included); null when malformed. */
export function rateToKbps(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : null;
  if (typeof value !== 'string') return null;
  const match = RATE.exec(value.trim());
  if (!match) return null;
  return Number(match[1]) * RATE_KBPS[match[2].toLowerCase()];
}

/** "2500kbps", "2.5mbps", "64000bps" or a number of kbit/s -> kbit/s; null unless a positive rate. */
export function parseRateKbps(value: unknown): number | null {
  const kbps = rateToKbps(value);
  return kbps !== null && kbps > 0 ? kbps : null;
}

/** A share of participants: true/false, "80%" -> fraction 0..1. */
export function parseShare(value: unknown): number | null {
  if (value === true) return 1;
  if (value === false) return 0;
  if (typeof value !== 'string') return null;
  const match = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
  if (!match) return null;
  const percent = Number(match[1]);
  return percent <= 100 ? percent / 100 : null;
}

/** Formats milliseconds back into the language's duration form, for messages. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** "udp://HOST:PORT" (HOST an IPv4 address, a host name, or [IPv6]) -> host and port 1..65535; null when invalid. */
export function parseUdpUrl(value: unknown): UdpUrl | null {
  if (typeof value !== 'string') return null;
  const checked = checkUdpUrl(value, 'refuse');
  return checked.ok ? checked.value : null;
}

/** Like {@link parseUdpUrl} for an address to listen on: port 0 asks for an ephemeral port. */
export function parseUdpListenUrl(value: unknown): UdpUrl | null {
  if (typeof value !== 'string') return null;
  const checked = checkUdpUrl(value, 'ephemeral');
  return checked.ok ? checked.value : null;
}

/** The inverse of `parseUdpUrl`: `udp://HOST:PORT`, IPv6 hosts in brackets. */
export function formatUdpUrl(endpoint: UdpUrl): string {
  return `udp://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;
}
