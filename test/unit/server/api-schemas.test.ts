import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/metrics/index.js';
import { buildServer } from '../../../src/server/index.js';
import { CREATE_BODY, SDP_ANSWER_BODY, SPIKE_BODY } from '../../../src/server/schemas.js';
import { FakeRunner } from './fake-runner.js';

// schemas/api/ publishes the REST contract for clients; it is generated from the route schemas.
// After changing a route: AVCM_WRITE_API_SCHEMAS=1 npx vitest run test/unit/server/api-schemas.test.ts

const dir = new URL('../../../schemas/api/', import.meta.url);
const write = process.env.AVCM_WRITE_API_SCHEMAS === '1';

async function openapi(): Promise<Record<string, unknown>> {
  const metrics = createMetrics();
  const { app } = await buildServer({ runner: new FakeRunner(), metrics, reportsDir: os.tmpdir() });
  const doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json() as { info: Record<string, unknown> };
  await app.close();
  metrics.close();
  // The package version changes with every release; the published contract carries the API version.
  doc.info.version = 'v1';
  return doc;
}

const files: [string, () => unknown | Promise<unknown>][] = [
  ['openapi.json', openapi],
  ['test-create.schema.json', () => ({ $schema: 'http://json-schema.org/draft-07/schema#', title: 'POST /api/v1/test/create body', ...CREATE_BODY })],
  ['test-spike.schema.json', () => ({ $schema: 'http://json-schema.org/draft-07/schema#', title: 'POST /api/v1/test/:id/spike body', ...SPIKE_BODY })],
  ['test-sdp-answer.schema.json', () => ({ $schema: 'http://json-schema.org/draft-07/schema#', title: 'POST /api/v1/test/:id/sdp/:participant_id body', ...SDP_ANSWER_BODY })],
];

describe('schemas/api is generated from the route schemas', () => {
  it.each(files)('%s is up to date', async (name, make) => {
    const expected = `${JSON.stringify(await make(), null, 2)}\n`;
    const url = new URL(name, dir);
    if (write) writeFileSync(url, expected);
    expect(readFileSync(url, 'utf8'), `regenerate with AVCM_WRITE_API_SCHEMAS=1`).toBe(expected);
  });
});
