import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderHtml, ReportWriteError, writeReports } from '../../../reporters/index.js';
import { buildRunResult } from '../../../src/verdict/index.js';
import { planOf, probeReport, syntheticStream } from '../../helpers/results.js';
import { mountTmpfs, type Tmpfs } from '../../helpers/tmpfs.js';

// Reports that cannot be written: the run says so (E_REPORT, which report, why, what to do), no
// report is ever half written, and an earlier run's report at the same path is never left to be
// read as this run's verdict.

function result() {
  const { scenario, plan } = planOf('duration: 5s\nparticipants: { count: 2 }\nassertions:\n  packet_loss_percent: ["avg < 2"]\n');
  const streams = plan.participants.flatMap((p) => [syntheticStream(p.id, 'video', p.videoSsrc!, 5, () => 0), syntheticStream(p.id, 'audio', p.audioSsrc!, 5, () => 0)]);
  return buildRunResult({ plan, assertions: scenario.assertions, file: 'w.yaml', probe: probeReport(streams, 5), target: 'udp://127.0.0.1:5002', startedAt: new Date(), finishedAt: new Date(), packetsSent: 1000, restarts: [] });
}

const paths = (dir: string) => ({ json: path.join(dir, 'w.json'), junit: path.join(dir, 'w.xml'), html: path.join(dir, 'w.html') });

const mounts: Tmpfs[] = [];
afterEach(async () => {
  for (const mount of mounts.splice(0)) await mount.remove();
});

describe('writing reports where they cannot be written', () => {
  it('a file in the way of the folder: E_REPORT for each report, and a hint', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'avcm-write-'));
    await writeFile(path.join(dir, 'file'), 'x');
    const error = (await writeReports(result(), paths(path.join(dir, 'file', 'out'))).catch((e: unknown) => e)) as ReportWriteError;
    expect(error).toBeInstanceOf(ReportWriteError);
    expect(error).toMatchObject({ code: 'E_REPORT', exitCode: 3, written: [], unwritten: ['json', 'junit', 'html'] });
    expect(error.message).toMatch(/^cannot write the json and junit and html reports/);
    expect(error.hint).toMatch(/is a file, not a folder/);
  });

  it.runIf(process.getuid?.() === 0)('a full disk: the reports that fit are written, the one that does not leaves nothing behind, not even an earlier run\'s', async (context) => {
    const html = renderHtml(result()).length;
    const mount = await mountTmpfs(64);
    if (!mount) return context.skip('cannot mount a tmpfs here (needs CAP_SYS_ADMIN)');
    mounts.push(mount);
    expect(html).toBeGreaterThan(64 * 1024); // the HTML report (uPlot inlined) cannot fit
    await writeFile(path.join(mount.dir, 'w.html'), '<html>an earlier run: PASSED</html>');
    const error = (await writeReports(result(), paths(mount.dir)).catch((e: unknown) => e)) as ReportWriteError;
    expect(error).toBeInstanceOf(ReportWriteError);
    expect(error).toMatchObject({ code: 'E_REPORT', written: ['json', 'junit'], unwritten: ['html'] });
    expect(error.message).toMatch(/cannot write the html report .*w\.html\): ENOSPC: no space left on device/);
    expect(error.message).toMatch(/removed an earlier run's .*w\.html so it is not read as this run's/);
    expect(error.hint).toMatch(/the disk holding .* is full/);
    // The two that fit are complete; no temp file and no earlier HTML are left.
    expect((await readdir(mount.dir)).sort()).toEqual(['w.json', 'w.xml']);
    expect(JSON.parse(await readFile(path.join(mount.dir, 'w.json'), 'utf8')).scenario).toBe('t');
  });

  it.runIf(process.getuid?.() === 0)('a read-only out-dir: nothing written, and an earlier report that cannot be removed is called out', async (context) => {
    const mount = await mountTmpfs(256);
    if (!mount) return context.skip('cannot mount a tmpfs here (needs CAP_SYS_ADMIN)');
    mounts.push(mount);
    await writeFile(path.join(mount.dir, 'w.xml'), '<testsuite name="earlier"/>');
    mount.readOnly();
    const error = (await writeReports(result(), paths(mount.dir)).catch((e: unknown) => e)) as ReportWriteError;
    expect(error).toMatchObject({ code: 'E_REPORT', written: [], unwritten: ['json', 'junit', 'html'] });
    expect(error.message).toMatch(/EROFS: read-only file system/);
    expect(error.message).toMatch(/w\.xml could not be removed and is an EARLIER run's report, not this run's/);
    expect(error.hint).toMatch(/is on a read-only file system: choose another --out-dir/);
    expect(await readdir(mount.dir)).toEqual(['w.xml']);
  });
});
