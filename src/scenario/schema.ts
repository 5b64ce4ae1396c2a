import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { packageRoot } from '../package-root.js';

/** The scenario JSON Schema, read from `schemas/` (the source of truth shipped with the package). */
export function loadScenarioSchema(): Record<string, unknown> {
  const file = fileURLToPath(new URL('schemas/scenario.schema.json', packageRoot()));
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

let compiled: ValidateFunction | null = null;

/** The compiled validator (allErrors, verbose for located messages); compiled once per process. */
export function scenarioValidator(): ValidateFunction {
  if (compiled) return compiled;
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
  // `x-expected` is documentation for humans: the text validation prints as "expected ...".
  ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
  compiled = ajv.compile(loadScenarioSchema());
  return compiled;
}

export type SchemaError = ErrorObject;
