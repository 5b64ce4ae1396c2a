// Generates docs/scenario-reference.md from schemas/scenario.schema.json, the language's source of
// truth, so the reference cannot drift from what the validator accepts (a test compares them).
// Usage: npx tsx scripts/schema-docs.ts > docs/scenario-reference.md
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Node = Record<string, unknown>;

export function renderSchemaReference(schema: Node): string {
  const defs = (schema.$defs ?? {}) as Record<string, Node>;
  const resolve = (node: Node): Node => {
    if (typeof node.$ref === 'string') {
      const target = defs[node.$ref.replace('#/$defs/', '')];
      const { $ref: _ref, ...rest } = node;
      return { ...resolve(target), ...rest };
    }
    return node;
  };
  // The value keywords (src/scenario/value-keywords.ts): ranges of durations, rates and thresholds.
  const bounds = (node: Node): string => {
    const notes: string[] = [];
    for (const keyword of ['x-duration', 'x-rate', 'x-threshold']) {
      const range = node[keyword] as { min?: unknown; max?: unknown; of?: string } | undefined;
      if (!range) continue;
      const span = range.min !== undefined && range.max !== undefined ? `${String(range.min)}..${String(range.max)}` : range.min !== undefined ? `>= ${String(range.min)}` : `<= ${String(range.max)}`;
      notes.push(keyword === 'x-threshold' ? `threshold ${span} (${range.of ?? ''})` : span);
    }
    return notes.length > 0 ? `; ${notes.join(', ')}` : '';
  };
  const describeType = (node: Node): string => describeShape(node) + bounds(node);
  const describeShape = (node: Node): string => {
    if (typeof node['x-expected'] === 'string') return node['x-expected'];
    if (Array.isArray(node.enum)) return node.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
    if ('const' in node) return `\`${String(node.const)}\``;
    const type = Array.isArray(node.type) ? node.type.join(' or ') : String(node.type ?? 'any');
    const range: string[] = [];
    if (typeof node.minimum === 'number') range.push(`>= ${node.minimum}`);
    if (typeof node.exclusiveMinimum === 'number') range.push(`> ${node.exclusiveMinimum}`);
    if (typeof node.maximum === 'number') range.push(`<= ${node.maximum}`);
    if (typeof node.maxItems === 'number') range.push(`at most ${node.maxItems} items`);
    if (typeof node.pattern === 'string' && type === 'string') range.push(`matching \`${node.pattern}\``);
    return range.length ? `${type} (${range.join(', ')})` : type;
  };
  const rows: string[] = [];
  // A shared block of fields (a spike's type parameters) is listed once, where it first appears.
  const listedAt = new Map<string, string>();
  const walk = (node: Node, path: string, required: boolean, note = ''): void => {
    const resolved = resolve(node);
    const defaultText = 'default' in resolved ? `\`${JSON.stringify(resolved.default)}\`` : required ? '**required**' : '';
    const description = [note, typeof resolved.description === 'string' ? resolved.description : ''].filter(Boolean).join(' ');
    if (path) rows.push(`| \`${path}\` | ${describeType(resolved).replace(/\|(?! )/g, '\\|')} | ${defaultText} | ${description.replace(/\n/g, ' ')} |`);
    const types = Array.isArray(resolved.type) ? resolved.type : [resolved.type];
    const isRange = resolved.properties !== undefined && Object.keys(resolved.properties as Node).join(',') === 'min,max';
    const isObjectOnly = !isRange && (types.includes('object') || (resolved.properties !== undefined && resolved.type === undefined));
    // Claim this node's shared blocks before its properties are walked, so they are listed here.
    for (const branch of (resolved.allOf as Node[] | undefined) ?? []) if (typeof branch.$ref === 'string' && !listedAt.has(branch.$ref)) listedAt.set(branch.$ref, path);
    const required_ = new Set((resolved.required as string[] | undefined) ?? []);
    if (resolved.properties && (isObjectOnly || path === '')) {
      for (const [key, child] of Object.entries(resolved.properties as Record<string, Node>)) walk(child, path ? `${path}.${key}` : key, required_.has(key));
    }
    const branches: Node[] = [];
    for (const branch of (resolved.allOf as Node[] | undefined) ?? []) {
      if (typeof branch.$ref !== 'string') {
        branches.push(branch);
        continue;
      }
      const first = listedAt.get(branch.$ref);
      if (first !== path) {
        rows.push(`| \`${path}.*\` |  |  | the parameters of its \`type\`, as for \`${first}\` |`);
        continue;
      }
      branches.push(...((resolve(branch).allOf as Node[] | undefined) ?? []));
    }
    for (const branch of branches) {
      const condition = ((branch.if as Node | undefined)?.properties as Record<string, Node> | undefined)?.type?.const;
      const then = branch.then as Node | undefined;
      if (!then?.properties) continue;
      const thenRequired = new Set((then.required as string[] | undefined) ?? []);
      for (const [key, child] of Object.entries(then.properties as Record<string, Node>)) {
        walk(child, `${path}.${key}`, thenRequired.has(key), condition ? `(type \`${String(condition)}\`)` : '');
      }
    }
    if (types.includes('array') && resolved.items) walk(resolved.items as Node, `${path}[]`, false);
    // `false or { ... }` style fields: document the object form's fields too.
    for (const alternative of [...((resolved.oneOf as Node[] | undefined) ?? []), ...((resolved.anyOf as Node[] | undefined) ?? [])]) {
      const option = resolve(alternative);
      if (option.type === 'object' && option.properties) {
        const optionRequired = new Set((option.required as string[] | undefined) ?? []);
        for (const [key, child] of Object.entries(option.properties as Record<string, Node>)) walk(child, `${path}.${key}`, optionRequired.has(key));
      }
    }
  };
  walk(schema, '', true);
  return [
    '# Scenario language reference',
    '',
    '<!-- generated from schemas/scenario.schema.json by scripts/schema-docs.ts; do not edit by hand -->',
    '',
    String(schema.description ?? ''),
    '',
    'Durations: `"90s"`, `"2m"`, `"1h30m"`, `"250ms"` or a number of seconds. Rates: `"2500kbps"`, `"2.5mbps"`. Shares: `"25%"`.',
    'Ranges: a number, or `{ min, max }` drawn per spike event from the seed.',
    '',
    '| field | type / allowed | default | meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const schema = JSON.parse(readFileSync(new URL('../schemas/scenario.schema.json', import.meta.url), 'utf8')) as Node;
  process.stdout.write(renderSchemaReference(schema));
}
