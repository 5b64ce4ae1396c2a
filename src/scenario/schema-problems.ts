import type { Locator } from './locate.js';
import { loadScenarioSchema, type SchemaError } from './schema.js';
import type { Problem } from './types.js';
import { VALUE_KEYWORD_NAMES } from './value-keywords.js';

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  // YAML's .nan and .inf: JSON would print them as null.
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? '.nan' : value > 0 ? '.inf' : '-.inf';
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function pointerSegments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

/** A `#/$defs/...` reference of the scenario schema, resolved. */
function resolveRef(node: Record<string, unknown>): Record<string, unknown> {
  if (typeof node.$ref !== 'string' || !node.$ref.startsWith('#/$defs/')) return node;
  const defs = (loadScenarioSchema().$defs ?? {}) as Record<string, Record<string, unknown>>;
  return defs[node.$ref.slice('#/$defs/'.length)] ?? node;
}

/** Property names a schema object allows, including those of if/then branches (spike types), also behind a $ref. */
function allowedKeys(schema: Record<string, unknown> | undefined): string[] {
  if (!schema) return [];
  const keys = new Set(Object.keys((schema.properties as object) ?? {}));
  for (const branch of (schema.allOf as Record<string, unknown>[] | undefined) ?? []) {
    const resolved = resolveRef(branch);
    if (resolved !== branch) {
      for (const key of allowedKeys(resolved)) keys.add(key);
      continue;
    }
    const then = branch.then as Record<string, unknown> | undefined;
    for (const key of Object.keys((then?.properties as object) ?? {})) keys.add(key);
  }
  return [...keys];
}

function unknownPropertyMessage(name: string, parentSchema: Record<string, unknown> | undefined): string {
  const allowed = allowedKeys(parentSchema);
  const close = allowed.filter((key) => editDistance(key, name) <= 2).sort((a, b) => editDistance(a, name) - editDistance(b, name));
  const hint = close.length > 0 ? `; did you mean "${close[0]}"?` : allowed.length > 0 ? `; allowed here: ${allowed.join(', ')}` : '';
  return `unknown property "${name}"${hint}`;
}

function messageFor(error: SchemaError): { path: string; message: string; target: 'value' | 'key' } | null {
  const parent = error.parentSchema as Record<string, unknown> | undefined;
  const expected = parent?.['x-expected'] as string | undefined;
  const found = show(error.data);
  if (VALUE_KEYWORD_NAMES.has(error.keyword)) return { path: error.instancePath, message: error.message ?? 'is invalid', target: 'value' };
  switch (error.keyword) {
    case 'required': {
      const name = (error.params as { missingProperty: string }).missingProperty;
      return { path: `${error.instancePath}/${name}`, message: `missing required property "${name}"`, target: 'value' };
    }
    case 'additionalProperties':
    case 'unevaluatedProperties': {
      const params = error.params as { additionalProperty?: string; unevaluatedProperty?: string };
      const name = params.additionalProperty ?? params.unevaluatedProperty ?? '?';
      return { path: `${error.instancePath}/${name}`, message: unknownPropertyMessage(name, parent), target: 'key' };
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map(show).join(', ');
      return { path: error.instancePath, message: `expected one of ${allowed}, found ${found}`, target: 'value' };
    }
    case 'const':
      return { path: error.instancePath, message: `expected ${show((error.params as { allowedValue: unknown }).allowedValue)}, found ${found}`, target: 'value' };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum': {
      const { comparison, limit } = error.params as { comparison: string; limit: number };
      return { path: error.instancePath, message: `expected a number ${comparison} ${limit}, found ${found}`, target: 'value' };
    }
    case 'oneOf':
      return { path: error.instancePath, message: `expected ${expected ?? 'exactly one of the alternatives'}`, target: 'value' };
    case 'if':
      return null; // the failing `then` branch reports the actual problem
    case 'type':
      if (!expected) return { path: error.instancePath, message: `expected ${(error.params as { type: string }).type}, found ${found}`, target: 'value' };
      return { path: error.instancePath, message: `expected ${expected}, found ${found}`, target: 'value' };
    default:
      if (expected) return { path: error.instancePath, message: `expected ${expected}, found ${found}`, target: 'value' };
      return { path: error.instancePath, message: `${error.message ?? 'is invalid'}, found ${found}`, target: 'value' };
  }
}

/** Maps ajv's errors to located, deduplicated problems a user can act on. */
export function schemaProblems(errors: SchemaError[], file: string, locator: Locator): Problem[] {
  // A spike with an unknown type would otherwise also list every type-specific key as unknown.
  const badTypePaths = new Set(errors.filter((e) => e.keyword === 'enum' && e.instancePath.endsWith('/type')).map((e) => e.instancePath.slice(0, -5)));
  // A property whose value failed inside a spike's `then` branch also counts as "unevaluated"; its own error says it better.
  const failedValuePaths = new Set(errors.filter((e) => e.keyword !== 'unevaluatedProperties').map((e) => e.instancePath));
  // A value of the wrong shape fails its pattern or type; the range/host checks then have nothing to add.
  const shapePaths = new Set(errors.filter((e) => !VALUE_KEYWORD_NAMES.has(e.keyword)).map((e) => e.instancePath));
  const problems: Problem[] = [];
  const seen = new Set<string>();
  // Where a oneOf failed, its branches' errors at the same place are noise (a branch behind a $ref
  // reports its own schema path); the oneOf's "expected ..." says it all.
  const oneOfPaths = new Set(errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  for (const error of errors) {
    if (error.schemaPath.includes('/oneOf/')) continue; // branch noise; the oneOf error says it all
    if (VALUE_KEYWORD_NAMES.has(error.keyword) && shapePaths.has(error.instancePath)) continue;
    if (error.keyword !== 'oneOf' && oneOfPaths.has(error.instancePath)) continue;
    if (error.keyword === 'unevaluatedProperties') {
      const name = (error.params as { unevaluatedProperty: string }).unevaluatedProperty;
      if (badTypePaths.has(error.instancePath) || failedValuePaths.has(`${error.instancePath}/${name}`)) continue;
      // When a spike's own branch failed (e.g. oneOf), its valid keys are "unevaluated" too: not the user's mistake.
      const branchFailed = [...failedValuePaths].some((path) => path === error.instancePath || path.startsWith(`${error.instancePath}/`));
      if (branchFailed && allowedKeys(error.parentSchema as Record<string, unknown>).includes(name)) continue;
    }
    const described = messageFor(error);
    if (!described) continue;
    const key = `${described.path}\u0000${described.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const position = locator.locate(pointerSegments(described.path), described.target);
    problems.push({ file, line: position.line, column: position.column, path: described.path || '/', message: described.message });
  }
  return problems.sort((a, b) => a.line - b.line || a.column - b.column);
}
