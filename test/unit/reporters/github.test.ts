import { describe, expect, it } from 'vitest';
import { errorCommand, renderAnnotations, renderJobSummary, workspacePath } from '../../../reporters/github/index.js';
import { buildRunResult } from '../../../src/verdict/index.js';
import { planOf, probeReport, syntheticStream } from '../../helpers/results.js';

describe('GitHub Actions workflow commands', () => {
  it('escape the message (%, CR, LF) and the properties (also : and ,) as the runner reads them', () => {
    expect(errorCommand('50% lost\r\nagain', { file: 'a,b:c.yaml', line: 3, col: 7, title: 'avcm: x' })).toBe('::error file=a%2Cb%3Ac.yaml,line=3,col=7,title=avcm%3A x::50%25 lost%0D%0Aagain');
    expect(errorCommand('plain')).toBe('::error::plain');
  });

  it('point at files relative to the workspace (the repository root), wherever avcm runs', () => {
    expect(workspacePath('gate.yaml', { cwd: '/repo/ci', workspace: '/repo' })).toBe('ci/gate.yaml');
    expect(workspacePath('/elsewhere/g.yaml', { cwd: '/repo', workspace: '/repo' })).toBe('/elsewhere/g.yaml');
    expect(workspacePath('g.yaml', { cwd: '/repo' })).toBe('g.yaml');
  });

  it('a run that broke is one annotation on the scenario file; its job summary says so', () => {
    const { scenario, plan } = planOf('duration: 3s\nparticipants: { count: 1 }\nassertions:\n  mos: ["avg >= 4"]\n');
    const streams = [syntheticStream(plan.participants[0].id, 'video', plan.participants[0].videoSsrc!, 3)];
    const result = buildRunResult({ plan, assertions: scenario.assertions, file: 'ci/s.yaml', probe: probeReport(streams, 3), target: 'udp://127.0.0.1:9', startedAt: new Date(), finishedAt: new Date(), packetsSent: null, restarts: [], status: 'error', errorMessage: 'partition 0 died' });
    expect(renderAnnotations(result, { cwd: '/repo', workspace: '/repo' })).toEqual(['::error file=ci/s.yaml,title=avcm%3A t error::t: the run failed: partition 0 died']);
    const summary = renderJobSummary(result);
    expect(summary).toContain('### ⚠️ avcm: t ERROR');
    expect(summary).toContain('> partition 0 died');
  });
});
