import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type FuncKeywordDefinition, type ValidateFunction } from 'ajv/dist/2020.js';
import { packageRoot } from '../package-root.js';
import { VALUE_KEYWORDS, type ValueKeyword } from './value-keywords.js';

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
  // Ranges of durations and rates, real hosts and ports, thresholds a metric can take.
  for (const keyword of VALUE_KEYWORDS) ajv.addKeyword(asAjvKeyword(keyword));
  compiled = ajv.compile(loadScenarioSchema());
  return compiled;
}

/** A value keyword as ajv runs it: its problems become ajv errors (ajv adds the schema path, and the instance path where the keyword set none). */
function asAjvKeyword(definition: ValueKeyword): FuncKeywordDefinition {
  const validate: FuncKeywordDefinition['validate'] & { errors?: Partial<ErrorObject>[] } = (schemaValue: unknown, data: unknown, _parent, context) => {
    const problems = definition.check(schemaValue as never, data, context?.instancePath ?? '');
    validate.errors = problems.map((problem) => ({ keyword: definition.keyword, message: problem.message, params: {}, ...(problem.instancePath === undefined ? {} : { instancePath: problem.instancePath }) }));
    return problems.length === 0;
  };
  return { keyword: definition.keyword, schemaType: definition.schemaType, validate, errors: true };
}

export type SchemaError = ErrorObject;
