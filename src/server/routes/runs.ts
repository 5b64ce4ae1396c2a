import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { RunEntry, RunRegistry, RunState } from '../run-registry.js';
import { RegistryError } from '../run-registry.js';
import { scenarioFromBody, type ScenarioLimits } from '../scenario-body.js';
import { ID_PARAMS, LIST_QUERY, REPORT_PARAMS, SCENARIO_BODY } from '../schemas.js';

const SCENARIO_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain', 'application/json'];
const REPORT_TYPES = { html: 'text/html; charset=utf-8', xml: 'application/xml; charset=utf-8', json: 'application/json; charset=utf-8' } as const;

/** Where a run's reports download from, once written. */
function reportLinks(id: string): Record<string, string> {
  return { html: `/api/v1/runs/${id}/report.html`, xml: `/api/v1/runs/${id}/report.xml`, json: `/api/v1/runs/${id}/report.json` };
}

/** The JSON a GET of one run answers: state, live progress, and the verdict once it is done. */
export function describeRun(entry: RunEntry): Record<string, unknown> {
  const progress = entry.run?.progress() ?? null;
  const outcome = entry.outcome;
  return {
    id: entry.id,
    scenario: entry.scenario.name,
    state: entry.state,
    createdAt: entry.createdAt,
    progress,
    exitCode: outcome?.exitCode ?? null,
    verdict: outcome
      ? {
          status: outcome.result.status,
          exitCode: outcome.exitCode,
          passed: outcome.result.assertions.filter((a) => a.passed).length,
          failed: outcome.result.assertions.filter((a) => !a.passed).length,
          assertions: outcome.result.assertions.map((a) => ({ name: a.name, measured: a.measured, passed: a.passed, message: a.message })),
          errorMessage: outcome.result.errorMessage,
        }
      : null,
    links: { self: `/api/v1/runs/${entry.id}`, ...(outcome ? reportLinks(entry.id) : {}) },
  };
}

/**
 * Scenario runs: POST a YAML/JSON scenario, follow it, download its reports, cancel it.
 * Registered as its own plugin so its JSON parser keeps the raw text: the scenario validator then
 * reports problems at the line and column the client sent.
 */
export function runRoutes(registry: RunRegistry, limits: ScenarioLimits): FastifyPluginAsync {
  return async (app: FastifyInstance) => {
    app.removeContentTypeParser(['application/json', 'text/plain']);
    app.addContentTypeParser(SCENARIO_TYPES, { parseAs: 'string' }, (_request, body, done) => done(null, body));

    app.post(
      '/api/v1/runs',
      {
        schema: {
          summary: 'Start a scenario run',
          description: `A scenario document as ${SCENARIO_TYPES.join(', ')}. 202 with the run id; 400 E_SCENARIO with located problems; 409 E_PORTS when its fixed ports (base_port, a local probe port) overlap a run in flight; 429 when the server runs its limit of runs.`,
          consumes: SCENARIO_TYPES,
          body: SCENARIO_BODY,
          response: { 202: { type: 'object', properties: { id: { type: 'string' }, state: { type: 'string' }, links: { type: 'object', additionalProperties: { type: 'string' } } } } },
        },
      },
      async (request, reply) => {
        const label = request.headers['content-type']?.includes('json') ? 'request.json' : 'request.yaml';
        const entry = registry.submit(scenarioFromBody(request.body, limits, label), 'runs');
        return reply.code(202).send({ id: entry.id, state: entry.state, links: { self: `/api/v1/runs/${entry.id}`, ...reportLinks(entry.id) } });
      },
    );

    app.get<{ Querystring: { state?: RunState; limit?: string } }>(
      '/api/v1/runs',
      { schema: { summary: 'List runs, oldest first (optionally by state; limit keeps the newest)', querystring: LIST_QUERY } },
      async (request) => {
        const { state, limit } = request.query;
        const runs = registry.list().filter((e) => !state || e.state === state);
        return { runs: runs.slice(limit ? -Number(limit) : 0).map((e) => ({ id: e.id, scenario: e.scenario.name, state: e.state, createdAt: e.createdAt, exitCode: e.outcome?.exitCode ?? null, links: { self: `/api/v1/runs/${e.id}` } })) };
      },
    );

    app.get<{ Params: { id: string } }>('/api/v1/runs/:id', { schema: { summary: 'A run: state, progress, verdict, exit code, report links', params: ID_PARAMS } }, async (request) =>
      describeRun(registry.get(request.params.id)),
    );

    app.get<{ Params: { id: string; kind: 'html' | 'xml' | 'json' } }>(
      '/api/v1/runs/:id/report.:kind',
      { schema: { summary: 'Download a report (HTML, JUnit XML, JSON result); 404 until the run has written it', params: REPORT_PARAMS } },
      async (request, reply) => {
        const entry = registry.get(request.params.id);
        const kind = request.params.kind;
        const file = entry.outcome ? (kind === 'html' ? entry.outcome.files.html : kind === 'xml' ? entry.outcome.files.junit : entry.outcome.files.json) : null;
        if (file && entry.outcome?.unwritten.includes(file)) throw new RegistryError(404, 'E_REPORT', `run ${entry.id} ended but its ${kind} report could not be written (see the server's log)`);
        if (!file || !(await exists(file))) throw new RegistryError(404, 'E_NOT_READY', `run ${entry.id} is ${entry.state}; its ${kind} report is written when it ends`);
        return reply.type(REPORT_TYPES[kind]).send(createReadStream(file));
      },
    );

    app.delete<{ Params: { id: string } }>('/api/v1/runs/:id', { schema: { summary: 'Cancel a run (partial reports are written)', params: ID_PARAMS } }, async (request, reply) => {
      const entry = registry.cancel(request.params.id);
      return reply.code(202).send({ id: entry.id, state: entry.state, links: { self: `/api/v1/runs/${entry.id}` } });
    });
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
