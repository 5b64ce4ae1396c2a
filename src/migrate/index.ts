/** `avcm import`: the original platform's chaos-test config as an avcm scenario. */
export { convertOriginalConfig, scenarioNameFor, type Conversion } from './to-scenario.js';
export { configProblems, ORIGINAL_DEFAULTS, type OriginalConfig } from './original-config.js';
export { renderConversion } from './render-yaml.js';
