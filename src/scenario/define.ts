import type { ScenarioDocument } from './types.js';

/**
 * Types a TypeScript scenario: `export default defineScenario({ version: 1, ... })`.
 * Returns its argument unchanged; the object is validated like a YAML scenario when loaded.
 */
export function defineScenario<const T extends ScenarioDocument>(scenario: T): T {
  return scenario;
}
