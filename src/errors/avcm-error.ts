import { ERROR_CODES, type ErrorCode } from './catalog.js';

/**
 * The one error type avcm throws on purpose. `message` says what went wrong in words a user can
 * act on; `hint` (optional) says what to do about it. The CLI prints both, never the stack
 * (unless `--debug`), and exits with the code's exit code.
 */
export class AvcmError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AvcmError';
    this.code = code;
    this.hint = options.hint;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exitCode;
  }
}

/** Wraps anything thrown into an AvcmError, keeping AvcmErrors as they are. */
export function toAvcmError(error: unknown, fallback: ErrorCode = 'E_INTERNAL'): AvcmError {
  if (error instanceof AvcmError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AvcmError(fallback, message, { cause: error });
}
