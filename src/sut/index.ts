/**
 * Chaos on the system under test: the `sut_*` spikes' timeline and the drivers that act on the
 * SUT (command: the scenario's shell commands; docker: a container through the Engine API; k8s:
 * pods and a Deployment through the Kubernetes API). The runner opens a timeline before launch
 * (`SutTimeline.open`, E_SUT_DRIVER when the driver cannot reach its target), starts it with the
 * engines (`start(runStartEpochMs)`), and hands `records()` to the verdict after `close()`.
 */
export { SutTimeline, openSutDriver } from './sut-timeline.js';
export { CommandDriver, runCommand, OUTPUT_TAIL_CHARS, type CommandResult } from './command-driver.js';
export type { SutAction, SutActionOutcome, SutActionRecord, SutDriver } from './types.js';
