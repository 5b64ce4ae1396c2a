import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSchemaReference } from '../../../scripts/schema-docs.js';
import { ERROR_CODES } from '../../../src/errors/catalog.js';

const root = new URL('../../../', import.meta.url);
const read = (file: string): string => readFileSync(new URL(file, root), 'utf8');

describe('documentation stays in sync with the code', () => {
  it('docs/scenario-reference.md is what scripts/schema-docs.ts generates from the schema', () => {
    const generated = renderSchemaReference(JSON.parse(read('schemas/scenario.schema.json')));
    expect(read('docs/scenario-reference.md'), 'run: npx tsx scripts/schema-docs.ts > docs/scenario-reference.md').toBe(generated);
  });

  it('the README documents every error code with its exit code', () => {
    const readme = read('README.md');
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(readme, `README is missing ${code}`).toMatch(new RegExp(`\\| \`${code}\` \\| ${entry.exitCode} \\|`));
    }
  });
});
