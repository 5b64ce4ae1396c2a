import { isMap, isSeq, isScalar, LineCounter, type Document, type Node as YamlNode } from 'yaml';

/** Where a JSON-pointer path sits in the source text (1-based line and column). */
export interface Position {
  line: number;
  column: number;
}

/** Finds the source position of a path in a loaded document. `key` = point at the property's key. */
export interface Locator {
  locate(path: (string | number)[], target?: 'value' | 'key'): Position;
}

/** Locates paths in a YAML (or JSON, which is YAML) document through the parser's node ranges. */
export function yamlLocator(doc: Document, lineCounter: LineCounter): Locator {
  const at = (offset: number): Position => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  return {
    locate(path, target = 'value') {
      // Walk down as far as the document goes; a missing property is reported at its parent.
      let node: unknown = doc.contents;
      let keyNode: YamlNode | null = null;
      for (const segment of path) {
        if (isMap(node)) {
          const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
          if (!pair) break;
          keyNode = pair.key as YamlNode;
          node = pair.value;
        } else if (isSeq(node)) {
          const item = node.items[Number(segment)];
          if (item === undefined) break;
          keyNode = null;
          node = item;
        } else {
          break;
        }
      }
      const chosen = target === 'key' && keyNode ? keyNode : (node as YamlNode | null);
      const range = chosen?.range ?? keyNode?.range;
      return range ? at(range[0]) : { line: 1, column: 1 };
    },
  };
}

/**
 * Locates paths in a TypeScript scenario by searching the source for the path's property names in
 * order (no TypeScript parser at run time). Good enough to point at the right line in the usual
 * object-literal scenarios; falls back to the `export default` line.
 */
export function textLocator(text: string): Locator {
  const lines = text.split('\n');
  const offsetToPosition = (offset: number): Position => {
    let remaining = offset;
    for (let i = 0; i < lines.length; i++) {
      if (remaining <= lines[i].length) return { line: i + 1, column: remaining + 1 };
      remaining -= lines[i].length + 1;
    }
    return { line: lines.length, column: 1 };
  };
  const defaultExport = Math.max(0, text.search(/export\s+default/));
  return {
    locate(path) {
      let from = defaultExport;
      for (const segment of path) {
        if (typeof segment === 'number' || /^\d+$/.test(String(segment))) continue;
        const match = new RegExp(`\\b${String(segment).replace(/[^\w]/g, '')}\\s*:`).exec(text.slice(from));
        if (!match) break;
        from += match.index;
      }
      return offsetToPosition(from);
    },
  };
}
