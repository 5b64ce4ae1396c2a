import { createReadStream } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { RunEntry, RunRegistry } from '../run-registry.js';
import { RegistryError } from '../run-registry.js';
import { scenarioFromBody } from '../scenario-body.js';

const ID = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' } } } as const;
const REPORT = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'kind'],
  properties: { id: ID.properties.id, kind: { type: 'string', enum: ['html', 'xml', 'json'] } },
} as const;

export function describeRun(entry: RunEntry): Record<string, unknown> {
  const progress = entry.run?.progress() ?? null;
  const outcome = entry.outcome;
  return {
    id: entry.id,
    scenario: entry.scenario.name,
    state: entry.state,
    createdAt: entry.createdAt,
    progress,
    verdict: outcome
      ? {
          status: outcome.result.status,
          exitCode: outcome.exitCode,
          passed: outcome.result.assertions.filter((a) => a.passed).length,
          failed: outcome.result.assertions.filter((a) => !a.passed).length,
          assertions: outcome.result.assertions.map((a) => ({ name: a.name, measured: a.measured, passed: a.passed })),
          errorMessage: outcome.result.errorMessage,
        }
      : null,
    links: outcome
      ? { html: `/api/v1/runs/${entry.id}/report.html`, xml: `/api/v1/runs/${entry.id}/report.xml`, json: `/api/v1/runs/${entry.id}/report.json` }
      : null,
  };
}

/** Scenario runs: POST a YAML/JSON scenario, follow it, download its reports, cancel it. */
export function registerRunRoutes(app: FastifyInstance, registry: RunRegistry, limits: { maxParticipants: number }): void {
  app.post(
    '/api/v1/runs',
    {
      schema: {
        summary: 'Start a scenario run (YAML as application/yaml, or JSON)',
        body: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'object' }] },
        response: { 202: { type: 'object', properties: { id: { type: 'string' }, state: { type: 'string' }, links: { type: 'object', additionalProperties: { type: 'string' } } } } },
      },
    },
    async (request, reply) => {
      const scenario = scenarioFromBody(request.body, limits);
      const entry = registry.create(scenario, 'runs');
      try {
        registry.start(entry.id);
      } catch (error) {
        registry.cancel(entry.id);
        throw error;
      }
      return reply.code(202).send({ id: entry.id, state: entry.state, links: { self: `/api/v1/runs/${entry.id}` } });
    },
  );

  app.get('/api/v1/runs', { schema: { summary: 'List runs' } }, async () => ({ runs: registry.list().map((e) => ({ id: e.id, scenario: e.scenario.name, state: e.state, createdAt: e.createdAt })) }));

  app.get<{ Params: { id: string } }>('/api/v1/runs/:id', { schema: { summary: 'A run: state, progress, verdict', params: ID } }, async (request) => describeRun(registry.get(request.params.id)));

  app.get<{ Params: { id: string; kind: 'html' | 'xml' | 'json' } }>(
    '/api/v1/runs/:id/report.:kind',
    { schema: { summary: 'Download a report of a finished run', params: REPORT } },
    async (request, reply) => {
      const entry = registry.get(request.params.id);
      if (!entry.outcome) throw new RegistryError(404, 'E_NOT_READY', `run ${entry.id} is ${entry.state}; reports are written when it ends`);
      const kind = request.params.kind;
      const file = kind === 'html' ? entry.outcome.files.html : kind === 'xml' ? entry.outcome.files.junit : entry.outcome.files.json;
      const type = kind === 'html' ? 'text/html; charset=utf-8' : kind === 'xml' ? 'application/xml; charset=utf-8' : 'application/json; charset=utf-8';
      return reply.type(type).send(createReadStream(file));
    },
  );

  app.delete<{ Params: { id: string } }>('/api/v1/runs/:id', { schema: { summary: 'Cancel a run (partial reports are written)', params: ID } }, async (request, reply) => {
    const entry = registry.cancel(request.params.id);
    return reply.code(202).send({ id: entry.id, state: entry.state });
  });
}
