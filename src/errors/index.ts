export { AvcmError, toAvcmError } from './avcm-error.js';
export { ERROR_CODES, type ErrorCode } from './catalog.js';
