import junitModule, { type Builder } from 'junit-report-builder';
import type { AssertionResult, RunResult } from '../src/result/types.js';
import { formatWorstStreams } from '../src/verdict/worst-streams.js';
import { worstText } from './assertion-text.js';

/**
 * JUnit XML (the Ant/Jenkins format GitHub Actions reporters, Jenkins and GitLab read): one
 * testsuite per scenario, one testcase per assertion named like `packet_loss_percent avg < 2`,
 * failures saying measured vs limit and naming the worst streams, every testcase's measured value,
 * limit and sample count (and baseline value) as its properties, and the run's facts as testsuite properties: seed, backend,
 * the wire packet counts and, with the feedback loop, its totals (`viewer_*`: what the probe
 * asked for and saw; `sender_*`: what the senders were asked and did). A run that errored or was
 * interrupted gets an `<error>` testcase named `run`. An inconclusive assertion (the load
 * generator was unhealthy in windows it depends on) is an `<error>` of type GeneratorOverload, not
 * a failure: nothing about the system under test was shown. Each action on the system under test
 * (`sut_*` spikes) is a testcase of class `avcm.<scenario>.sut` with its command's output; a
 * failed action is a failure there.
 */
export function renderJunit(result: RunResult): string {
  const builder = junitBuilder().newBuilder();
  const suite = builder
    .testSuite()
    .name(result.scenario)
    .timestamp(new Date(result.startedAt))
    .time(result.measuredDurationMs / 1000)
    .property('seed', String(result.seed))
    .property('backend', result.backend)
    .property('transport', result.transport)
    .property('participants', String(result.participants))
    .property('partitions', String(result.partitions))
    .property('target', result.target)
    .property('status', result.status)
    .property('avcm_version', result.avcmVersion)
    .property('packets_sent', String(result.totals.packetsSent ?? ''))
    .property('packets_received', String(result.totals.packetsReceived))
    .property('packets_lost', String(result.totals.packetsLost))
    .property('send_errors', String(result.totals.sendErrors ?? ''))
    .property('send_refused', String(result.totals.sendRefused ?? ''));
  const feedback = result.totals.feedback;
  if (feedback) {
    // The wire counts above stay the loss before recovery; these say what recovery did and what the viewer saw.
    for (const [name, value] of [
      ['viewer_nacks_sent', feedback.nacksSent],
      ['viewer_retransmissions_received', feedback.retransmissionsReceived],
      ['viewer_packets_recovered', feedback.packetsRecovered],
      ['viewer_plis_sent', feedback.plisSent],
      ['viewer_freezes', feedback.freezes],
      ['viewer_freeze_ms', feedback.freezeMs],
      ['sender_nacks_received', feedback.senderNacksReceived],
      ['sender_retransmissions_sent', feedback.senderRetransmissionsSent],
      ['sender_plis_received', feedback.senderPlisReceived],
      ['sender_firs_received', feedback.senderFirsReceived],
      ['sender_keyframes_sent', feedback.senderKeyframesSent],
    ] as const) {
      suite.property(name, String(value));
    }
  }
  const className = `avcm.${result.scenario}`;
  if (result.status === 'error' || result.status === 'aborted') {
    suite
      .testCase()
      .className(className)
      .name('run')
      .error(result.errorMessage ?? result.status, result.status === 'aborted' ? 'Aborted' : 'RunError');
  }
  if (result.baselineRun) suite.property('baseline_report', result.baselineRun.report).property('baseline_started_at', result.baselineRun.startedAt);
  if (result.health) {
    suite.property('generator_windows', String(result.health.windows)).property('generator_unhealthy_windows', String(result.health.unhealthyWindows));
  }
  for (const assertion of result.assertions) {
    const testCase = suite.testCase().className(className).name(assertion.name).time(0);
    for (const [name, value] of testCaseProperties(assertion)) testCase.property(name, value);
    if (assertion.location) testCase.file(assertion.location.file);
    if (assertion.skipped) testCase.skipped().standardOutput(assertion.message);
    else if (assertion.inconclusive) testCase.error(`${assertion.name}: ${assertion.message}`, 'GeneratorOverload');
    else if (!assertion.passed) testCase.failure([`${assertion.name}: ${assertion.message}`, worstText(assertion)].filter(Boolean).join('; '), 'AssertionFailed');
  }
  // Each action on the system under test is a testcase too: a failed one is why the run errored.
  for (const event of result.sutEvents ?? []) {
    const testCase = suite
      .testCase()
      .className(`${className}.sut`)
      .name(`sut ${event.spikeId} ${event.type}: ${event.action}`)
      .time((event.endMs - event.startMs) / 1000)
      .standardOutput(`${event.detail}${event.exitCode === null ? '' : ` (exit ${event.exitCode})`}\n${event.output}`);
    if (!event.ok) testCase.failure(`${event.action} failed: ${event.error}`, 'SutActionFailed');
  }
  const reconnects = result.reconnects ?? [];
  if (reconnects.length > 0) {
    suite.property('reconnects_participants', String(reconnects.filter((c) => c.side === 'participant').length));
    suite.property('reconnects_probe', String(reconnects.filter((c) => c.side === 'probe').length));
    suite.property('reconnects_never_back', String(reconnects.filter((c) => c.rejoinedAtMs === null).length));
  }
  if (result.assertions.length === 0 && result.status !== 'error' && result.status !== 'aborted') {
    suite.testCase().className(className).name('run completed').time(result.measuredDurationMs / 1000);
  }
  return builder.build();
}

/**
 * What every testcase carries, passed ones too, so CI can chart them: the measured value, the
 * limit and the sample count; for a baseline-relative assertion the baseline value, the limit as
 * written and the baseline report; the viewer of a `viewers:` block's assertion; and the
 * assertion's line in the scenario file.
 */
function testCaseProperties(a: AssertionResult): [string, string][] {
  const properties: [string, string][] = [
    ['measured', a.measured === null ? '' : String(a.measured)],
    ['limit', `${a.op} ${a.threshold ?? ''}`.trim()],
    ['samples', String(a.samples)],
    ['metric', a.metric],
    ['scope', a.scope],
    ['stat', a.stat],
  ];
  if (a.viewer !== undefined) properties.push(['viewer', a.viewer]);
  if (a.baseline) {
    properties.push(['baseline', a.baseline.value === null ? '' : String(a.baseline.value)], ['baseline_limit', a.baseline.limit], ['baseline_report', a.baseline.report]);
  }
  if (a.location) properties.push(['line', String(a.location.line)]);
  if (a.worst.length > 0) properties.push(['worst_streams', formatWorstStreams(a.worst)]);
  return properties;
}

/** The package is CommonJS (`module.exports = builder`) but typed as an ES default export; accept both shapes. */
function junitBuilder(): Builder {
  const loaded = junitModule as unknown as Builder & { default?: Builder };
  return loaded.default ?? loaded;
}
