/**
 * The one catalog of error codes. Each code names a class of failure a user can act on and maps
 * to the CLI exit code of the contract (`cli-and-wire.md`). Kept in sync with the README by a test.
 */
export const ERROR_CODES = {
  E_USAGE: { exitCode: 2, summary: 'the command line is wrong (unknown option, missing argument)' },
  E_SCENARIO: { exitCode: 2, summary: 'a scenario file is invalid (schema, semantics or syntax)' },
  E_ASSERTION_SYNTAX: { exitCode: 2, summary: 'an assertion expression cannot be parsed' },
  E_MEDIA: { exitCode: 3, summary: 'media could not be read, converted or packetized' },
  E_FFMPEG_MISSING: { exitCode: 3, summary: 'ffmpeg is needed for this media but is not installed' },
  E_NETWORK: { exitCode: 3, summary: 'a socket could not be opened or a port is taken' },
  E_BACKEND: { exitCode: 3, summary: 'the backend (processes, Docker, Kubernetes) failed' },
  E_RUN: { exitCode: 3, summary: 'the run itself failed' },
  E_REPORT: { exitCode: 3, summary: 'a report could not be written' },
  E_SUT_DRIVER: { exitCode: 3, summary: "the sut: driver cannot reach what it acts on (Docker engine, Kubernetes API, the container, pods or deployment); checked before the run starts" },
  E_SUT_ACTION_FAILED: { exitCode: 3, summary: 'an action on the system under test (a sut_* spike) failed; recorded in the report, the run goes on' },
  E_GENERATOR_OVERLOAD: {
    exitCode: 3,
    summary: "avcm's own engines or probe were overloaded (late, starved, dropping) in windows an assertion depends on: the assertion is inconclusive, not failed",
  },
  E_INTERNAL: { exitCode: 3, summary: 'a bug in avcm; please report it with --debug output' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
