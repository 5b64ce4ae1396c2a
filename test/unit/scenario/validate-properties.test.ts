import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadScenarioSchema, parseScenarioText, validateLoaded, type Problem } from '../../../src/scenario/index.js';
import { fitSemantics, SHIPPED_TRACES } from './fixtures/fit-semantics.js';
import { SchemaArbitraries, type SchemaNode } from './fixtures/schema-arbitrary.js';

// Properties of `validate` over scenarios generated from the schema itself (so new fields are
// covered): every valid scenario validates; one value made wrong (out of range, wrong type,
// garbage, a port or host no RFC allows, a required key removed, an unknown key added, both of two
// keys that exclude each other, a trace file that is not there) is always refused, at a location;
// and no input at all makes it throw.

const schema = loadScenarioSchema();
const arbitraries = new SchemaArbitraries(schema);
/** Documents holding every field of the schema (one spike of each type, both SFU kinds across samples). */
const everyField = new SchemaArbitraries(schema, { everyKey: true });
type Doc = Record<string, any>;

const validDocument: fc.Arbitrary<Doc> = arbitraries.valid(arbitraries.root).map((doc) => fitSemantics(doc as Doc));

/**
 * YAML or JSON text of a document (JSON is YAML too, and some users write it). Double-quoted
 * strings are written JSON-style: yaml 2.9's folded double-quoted form does not read back some
 * whitespace runs (" \n \n" gains a backslash), a serializer quirk that is not the validator's.
 */
function text(doc: unknown, json: boolean): string {
  return json ? JSON.stringify(doc, null, 2) : stringify(doc, { doubleQuotedAsJSON: true });
}

/** Where generated scenarios "are": trace files resolve from here, and the shipped traces/ are here. */
const scenarioFolder = fileURLToPath(new URL('../../../', import.meta.url));

function validate(source: string, file = 'generated.yaml') {
  return validateLoaded(parseScenarioText(source, file), { baseDir: scenarioFolder });
}

function located(problem: Problem): boolean {
  return Number.isInteger(problem.line) && problem.line >= 1 && Number.isInteger(problem.column) && problem.column >= 1 && problem.path.startsWith('/') && problem.message.length > 0;
}

/** Whether a problem's path is the mutated path, one of its ancestors, or below it. */
function related(problemPath: string, mutated: string[]): boolean {
  const pointer = mutated.map((s) => `/${s}`).join('');
  const problem = problemPath === '/' ? '' : problemPath;
  return problem === pointer || pointer.startsWith(`${problem}/`) || problem.startsWith(`${pointer}/`) || problem === '';
}

function setAt(doc: Doc, path: string[], value: unknown): Doc {
  if (path.length === 0) return value as Doc;
  const copy = structuredClone(doc);
  let node = copy;
  for (const segment of path.slice(0, -1)) node = node[segment];
  node[path[path.length - 1]] = value;
  return copy;
}

function getAt(doc: Doc, path: string[]): unknown {
  return path.reduce<unknown>((node, segment) => (node as Doc)[segment], doc);
}

/** One change that makes a valid document invalid, and where it was made. */
interface Mutation {
  path: string[];
  /** The same wrong value for the same schema rule (a shared definition) is the same check. */
  rule: string;
  describe: string;
  apply(doc: Doc): Doc;
}

/** Every single-value mutation the schema says must be refused, for this document, grouped by the value they change. */
function mutationsOf(doc: Doc): Mutation[][] {
  const groups: Mutation[][] = [];
  for (const { path, node } of arbitraries.nodesOf(doc)) {
    const mutations: Mutation[] = [];
    groups.push(mutations);
    const rule = JSON.stringify(node);
    for (const bad of arbitraries.invalidValues(node)) {
      mutations.push({ path, rule: `${rule} = ${JSON.stringify(bad)}`, describe: `${path.join('/') || '(root)'} = ${JSON.stringify(bad)?.slice(0, 80)}`, apply: (d) => setAt(d, path, bad) });
    }
    const value = getAt(doc, path);
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      if (arbitraries.isClosedObject(node, value as Doc)) {
        mutations.push({ path, rule: `${rule} + unknown key`, describe: `${path.join('/')} + unknown key`, apply: (d) => setAt(d, path, { ...(getAt(d, path) as Doc), no_such_field: 1 }) });
      }
      for (const key of arbitraries.requiredFor(node as SchemaNode, value as Doc)) {
        if (!(key in (value as Doc))) continue;
        mutations.push({
          path: [...path, key],
          rule: `${rule} - ${key}`,
          describe: `${[...path, key].join('/')} removed`,
          apply: (d) => {
            const copy = structuredClone(d);
            delete (path.length === 0 ? copy : (getAt(copy, path) as Doc))[key];
            return copy;
          },
        });
      }
      for (const { key, value: added } of arbitraries.exclusiveAdditions(node, value as Doc)) {
        mutations.push({ path: [...path, key], rule: `${rule} + ${key}`, describe: `${[...path, key].join('/')} added next to the key it excludes`, apply: (d) => setAt(d, [...path, key], added) });
      }
      // A trace (a spike's or a pool entry's) must be a file there, readable in its format: validation reads it.
      if ((value as Doc).type === 'trace' && typeof (value as Doc).file === 'string') {
        const file = (value as Doc).file as string;
        const misread = file === SHIPPED_TRACES.mahimahi.file ? 'timeline' : 'mahimahi';
        mutations.push({ path: [...path, 'file'], rule: 'trace file missing', describe: `${path.join('/')}/file is not there`, apply: (d) => setAt(d, [...path, 'file'], 'traces/no-such-trace.csv') });
        mutations.push({ path, rule: `trace ${file} read as ${misread}`, describe: `${path.join('/')}/format = ${misread} for ${file}`, apply: (d) => setAt(d, [...path, 'format'], misread) });
      }
    }
  }
  return groups.filter((group) => group.length > 0);
}

/**
 * Documents that together hold every field: the required part alone, then each optional section
 * on its own (small documents: YAML parsing dominates the time; target and sfu exclude each
 * other), one per variant of a section that has them (each SFU kind, each SUT driver), and a list
 * of variants (spikes: one of each type, and a pool) one item at a time.
 */
function sectionDocuments(): { doc: Doc; under: string | null }[] {
  sectionDocumentsMade ??= makeSectionDocuments();
  return sectionDocumentsMade;
}

// Made once: the everyKey generator takes oneOf alternatives in turn, so a second making would differ.
let sectionDocumentsMade: { doc: Doc; under: string | null }[] | undefined;

function makeSectionDocuments(): { doc: Doc; under: string | null }[] {
  const [full] = fc.sample(everyField.valid(schema).map((doc) => doc as Doc), { numRuns: 1, seed: 14 });
  const required = ['version', 'name', 'duration', 'participants'];
  const base = Object.fromEntries(required.map((key) => [key, full[key]]));
  const properties = schema.properties as Record<string, SchemaNode>;
  const sample = (arbitrary: fc.Arbitrary<unknown>): unknown => fc.sample(arbitrary, { numRuns: 1, seed: 14 })[0];
  const sections = Object.keys(full)
    .filter((key) => !required.includes(key))
    .flatMap((key) => {
      const node = everyField.resolve(properties[key]);
      if (node.items && everyField.variants(node.items as SchemaNode).length > 1) return (sample(everyField.valid(node)) as unknown[]).map((item) => ({ key, value: [item] }));
      return everyField.variants(node).map((variant) => ({ key, value: sample(variant) }));
    });
  // Assertions during spikes need a spike, and reconnect_seconds a sut_* spike.
  const sutSpike = (full.spikes as Doc[]).filter((spike) => String(spike.type).startsWith('sut_')).slice(0, 1);
  return [
    { doc: fitSemantics(base), under: null },
    ...sections.map(({ key, value }) => ({ doc: fitSemantics({ ...base, ...context(key), [key]: value }), under: key })),
  ];

  /**
   * What a section needs around it to keep all its fields: assertions a sut_* spike (for
   * reconnect_seconds) and simulcast with a viewer and a layer_switch (for the layer metrics and
   * blocks); viewers and spikes simulcast and a viewer (for layers and layer_switch).
   */
  function context(key: string): Doc {
    const simulcast = { media: { video: { simulcast: true } }, viewers: [{ name: 'v' }] };
    if (key === 'assertions') return { ...simulcast, spikes: [...sutSpike, { type: 'layer_switch', layer: 'l', duration: '1ms' }] };
    if (key === 'viewers') return { media: simulcast.media };
    if (key === 'spikes') return simulcast;
    return {};
  }
}

/** Validates the mutated document and checks it is refused, at located problems near the change. */
function expectRefused(doc: Doc, mutation: Mutation, json: boolean): void {
  const source = text(mutation.apply(doc), json);
  let result: ReturnType<typeof validate>;
  try {
    result = validate(source);
  } catch (error) {
    throw new Error(`validate threw on ${mutation.describe}: ${(error as Error).stack}`);
  }
  const context = `${mutation.describe}\n${source}\n${JSON.stringify(result.problems, null, 1)}`;
  expect(result.scenario, context).toBeNull();
  expect(result.problems.length, context).toBeGreaterThan(0);
  for (const problem of result.problems) expect(located(problem), context).toBe(true);
  expect(
    result.problems.some((problem) => related(problem.path, mutation.path)),
    context,
  ).toBe(true);
}

describe('validate, on scenarios generated from the schema', () => {
  it('accepts every valid scenario (YAML and JSON)', () => {
    fc.assert(
      fc.property(validDocument, fc.boolean(), (doc, json) => {
        const source = text(doc, json);
        expect(parse(source), 'the document survives serialization').toEqual(doc);
        const result = validate(source, json ? 'generated.json' : 'generated.yaml');
        expect(result.problems, `${text(doc, false)}\n${JSON.stringify(result.problems, null, 1)}`).toEqual([]);
        expect(result.scenario).not.toBeNull();
      }),
      { numRuns: 100 },
    );
  });

  it('refuses one wrong value anywhere, never throws, and locates every problem', () => {
    fc.assert(
      fc.property(validDocument, fc.nat(), fc.nat(), fc.boolean(), (doc, field, pick, json) => {
        // A field first, then one of its wrong values: each field is as likely as any other.
        const groups = mutationsOf(doc);
        const group = groups[field % groups.length];
        expectRefused(doc, group[pick % group.length], json);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses every wrong value of every field of a document that holds every field', () => {
    const documents = sectionDocuments();
    expect(new Set(documents.filter((d) => d.under === 'sfu').map((d) => d.doc.sfu.kind))).toEqual(new Set(['janus-videoroom', 'whip']));
    expect(new Set(documents.filter((d) => d.under === 'sut').map((d) => d.doc.sut.driver))).toEqual(new Set(['command', 'docker', 'k8s']));
    const done = new Set<string>();
    for (const [i, { doc, under }] of documents.entries()) {
      expect(validate(text(doc, false)).problems, `the unmutated document is valid (${under ?? 'required part'})`).toEqual([]);
      for (const group of mutationsOf(doc)) {
        for (const mutation of group) {
          if (under !== null && mutation.path[0] !== under) continue;
          if (done.has(mutation.rule)) continue;
          done.add(mutation.rule);
          expectRefused(doc, mutation, i % 2 === 1);
        }
      }
    }
    expect(done.size).toBeGreaterThan(500);
  });

  it('those documents hold every field the schema declares (the generator keeps up with the schema)', () => {
    const generated = new Set<string>();
    for (const { doc } of sectionDocuments()) {
      for (const { path } of arbitraries.nodesOf(doc)) generated.add(path.filter((s) => !/^\d+$/.test(s)).join('.'));
    }
    // A pool's type enum leaves out layer_switch, but its parameters (shared with single spikes) declare its layer.
    const unreachable = new Set(['spikes.pool.layer']);
    const missing = [...arbitraries.fieldPaths()].filter((field) => !generated.has(field) && !unreachable.has(field));
    expect(missing).toEqual([]);
  });

  it('never throws on arbitrary text or arbitrary JSON, and locates what it refuses', () => {
    const anything = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value) ?? 'null'),
      fc.jsonValue({ maxDepth: 4 }).map((value) => stringify(value)),
    );
    fc.assert(
      fc.property(anything, (source) => {
        const result = validate(source);
        for (const problem of result.problems) expect(located(problem), JSON.stringify(problem)).toBe(true);
        if (result.scenario === null) expect(result.problems.length).toBeGreaterThan(0);
      }),
      { numRuns: 400 },
    );
  });
});
