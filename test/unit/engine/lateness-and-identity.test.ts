import { describe, expect, it } from 'vitest';
import { lineReader } from '../../../src/engine/agent-protocol.js';
import { LatenessHistogram } from '../../../src/engine/lateness.js';
import { resolvePartitionId } from '../../../src/engine/partition-identity.js';

describe('LatenessHistogram', () => {
  it('quantiles are bucket upper edges and merge exactly across partitions', () => {
    const a = new LatenessHistogram();
    const b = new LatenessHistogram();
    for (let i = 0; i < 99; i++) a.record(0.05);
    b.record(12.34);
    a.merge(b.toSparse());
    expect(a.total()).toBe(100);
    expect(a.quantileMs(0.5)).toBeCloseTo(0.1, 10);
    expect(a.quantileMs(0.99)).toBeCloseTo(0.1, 10);
    expect(a.quantileMs(1)).toBeCloseTo(12.4, 10);
    expect(a.maxMs).toBe(12.34);
  });

  it('negative lateness (early) counts as on time; beyond 1 s lands in the overflow bucket', () => {
    const h = new LatenessHistogram();
    h.record(-3);
    h.record(5000);
    expect(h.quantileMs(0.5)).toBeCloseTo(0.1, 10);
    expect(h.quantileMs(1)).toBe(5000);
  });
});

describe('resolvePartitionId', () => {
  it('takes --partition first, then PARTITION_ID, then the pod name suffix', () => {
    expect(resolvePartitionId(2, { PARTITION_ID: '1', POD_NAME: 'orchestrator-0' }, 4)).toBe(2);
    expect(resolvePartitionId(undefined, { PARTITION_ID: '1', POD_NAME: 'orchestrator-0' }, 4)).toBe(1);
    expect(resolvePartitionId(undefined, { POD_NAME: 'orchestrator-3' }, 4)).toBe(3);
    expect(resolvePartitionId(undefined, { HOSTNAME: 'avcm-run-7f-orchestrator-9' }, 10)).toBe(9);
  });

  it('a single-partition plan needs no id; otherwise a missing or out-of-range id is a usage error', () => {
    expect(resolvePartitionId(undefined, {}, 1)).toBe(0);
    expect(() => resolvePartitionId(undefined, {}, 3)).toThrow(/cannot tell which/);
    expect(() => resolvePartitionId(undefined, { POD_NAME: 'orchestrator-5' }, 3)).toThrow(/outside the plan's partitions 0..2/);
  });
});

describe('agent protocol lineReader', () => {
  it('reassembles lines split across chunks and reports garbage without throwing', () => {
    const messages: unknown[] = [];
    const garbage: string[] = [];
    const read = lineReader((m) => messages.push(m), (g) => garbage.push(g));
    read('{"type":"rea');
    read('dy","partition":0}\n{"type":"stats"}\nnot json\n');
    read('[1,2]\n');
    expect(messages).toEqual([{ type: 'ready', partition: 0 }, { type: 'stats' }]);
    expect(garbage).toEqual(['not json', '[1,2]']);
  });
});
