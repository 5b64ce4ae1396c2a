import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LineCounter, parseDocument, visit, type Document } from 'yaml';
import { textLocator, yamlLocator, type Locator } from './locate.js';
import type { Problem, ScenarioSource } from './types.js';

/** A scenario file read from disk but not validated yet. */
export interface LoadedDocument {
  source: ScenarioSource;
  /** The parsed object, or undefined when the file could not be parsed (see `problems`). */
  document: unknown;
  locator: Locator;
  /** Syntax problems (YAML errors with their line, TS import errors). */
  problems: Problem[];
}

const SCENARIO_EXTENSIONS = ['.yaml', '.yml', '.json', '.ts', '.mts'];

export function isScenarioFile(file: string): boolean {
  return SCENARIO_EXTENSIONS.includes(path.extname(file).toLowerCase());
}

/** Parses YAML or JSON text (JSON is YAML) into a document with a line-aware locator. */
export function parseScenarioText(text: string, file: string): LoadedDocument {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const format = file.endsWith('.json') ? 'json' : 'yaml';
  const problems: Problem[] = [...doc.errors, ...doc.warnings].map((error) => {
    const pos = lineCounter.linePos(error.pos[0]);
    const firstLine = error.message.split('\n')[0];
    return { file, line: pos.line, column: pos.col, path: '/', message: `YAML syntax error: ${firstLine}` };
  });
  let document: unknown;
  if (problems.length === 0) {
    try {
      document = doc.toJS({ maxAliasCount: 100 });
    } catch (error) {
      // An alias to no anchor, or aliases that expand too far (a "billion laughs"): the parser accepts them, reading them does not.
      const at = lineCounter.linePos(unreadableOffset(doc) ?? 0);
      problems.push({ file, line: at.line, column: at.col, path: '/', message: `YAML: ${(error as Error).message.split('\n')[0]}` });
    }
  }
  return { source: { file, format, text }, document, locator: yamlLocator(doc, lineCounter), problems };
}

/** Where the first alias without an anchor before it sits, if any. */
function unreadableOffset(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc) === undefined) {
        offset = node.range?.[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return offset;
}

function unwrapCommonJs(value: unknown): unknown {
  if (value && typeof value === 'object' && 'default' in value && Object.keys(value).every((k) => k === 'default' || k === '__esModule')) {
    return (value as { default: unknown }).default;
  }
  return value;
}

/** Reads a scenario file: YAML/JSON through `yaml`, TypeScript through tsx (default export). */
export async function loadScenarioFile(file: string, cwd: string = process.cwd()): Promise<LoadedDocument> {
  let text: string;
  try {
    text = await readFile(path.resolve(cwd, file), 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    return {
      source: { file, format: 'yaml', text: '' },
      document: undefined,
      locator: { locate: () => ({ line: 1, column: 1 }) },
      problems: [{ file, line: 1, column: 1, path: '/', message: `cannot read scenario: ${reason}` }],
    };
  }
  const extension = path.extname(file).toLowerCase();
  const absolutePath = path.resolve(cwd, file);
  if (extension !== '.ts' && extension !== '.mts') {
    const parsed = parseScenarioText(text, file);
    return { ...parsed, source: { ...parsed.source, absolutePath } };
  }

  const locator = textLocator(text);
  try {
    const { tsImport } = await import('tsx/esm/api');
    const module = (await tsImport(pathToFileURL(path.resolve(cwd, file)).href, import.meta.url)) as { default?: unknown };
    // A .ts file outside an ESM package is compiled as CommonJS: its exports arrive wrapped once more.
    const exported = unwrapCommonJs(module.default);
    if (exported === undefined) {
      return {
        source: { file, format: 'ts', text },
        document: undefined,
        locator,
        problems: [{ file, line: 1, column: 1, path: '/', message: 'a TypeScript scenario must `export default defineScenario({...})`' }],
      };
    }
    // Round-trip through JSON so functions, classes and undefineds cannot sneak into the plan.
    const document = JSON.parse(JSON.stringify(exported)) as unknown;
    return { source: { file, format: 'ts', text, absolutePath }, document, locator, problems: [] };
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    return {
      source: { file, format: 'ts', text },
      document: undefined,
      locator,
      problems: [{ file, line: 1, column: 1, path: '/', message: `cannot load TypeScript scenario: ${message}` }],
    };
  }
}
