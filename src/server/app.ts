import swagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { AvcmMetrics } from '../metrics/index.js';
import type { Runner } from '../runner/types.js';
import { AVCM_VERSION } from '../version.js';
import { tokenMatches } from './auth.js';
import { registerRunRoutes } from './routes/runs.js';
import { registerTestRoutes } from './routes/tests.js';
import { RegistryError, RunRegistry } from './run-registry.js';
import { ScenarioBodyError } from './scenario-body.js';

export interface ServerOptions {
  runner: Runner;
  metrics: AvcmMetrics;
  reportsDir: string;
  /** When set, every route but /healthz needs `Authorization: Bearer <token>`. */
  token?: string;
  maxBodyBytes?: number;
  maxParticipants?: number;
  maxConcurrentRuns?: number;
  logger?: boolean;
}

/**
 * The REST control plane: scenario runs, the interactive chaos API, /metrics and /healthz.
 * Every body and parameter has a JSON Schema (extra properties are rejected, not stripped); bad
 * input is a 4xx with the path and the reason, never a 5xx.
 */
export async function buildServer(options: ServerOptions): Promise<{ app: FastifyInstance; registry: RunRegistry }> {
  const limits = { maxParticipants: options.maxParticipants ?? 5000 };
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.maxBodyBytes ?? 1 << 20,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true, useDefaults: false } },
  });
  const registry = new RunRegistry(options.runner, { reportsDir: options.reportsDir, maxConcurrentRuns: options.maxConcurrentRuns ?? 4, metrics: options.metrics });

  // YAML scenarios arrive as text; the scenario validator parses them (with line numbers).
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain'], { parseAs: 'string' }, (_request, body, done) => done(null, body));

  await app.register(swagger, {
    openapi: {
      info: { title: 'avcm control plane', version: AVCM_VERSION, description: 'Scenario runs, live chaos injection, metrics.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });

  app.addHook('onRequest', async (request, reply) => {
    if (!options.token || request.url === '/healthz') return;
    if (!tokenMatches(options.token, request.headers.authorization)) {
      await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'E_AUTH', message: 'missing or wrong bearer token (Authorization: Bearer <token>)' });
    }
  });

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    if (error instanceof ScenarioBodyError) return reply.code(400).send({ error: error.code, message: error.message, problems: error.problems });
    if (error instanceof RegistryError) return reply.code(error.statusCode).send({ error: error.code, message: error.message });
    if (error.validation) {
      const first = error.validation[0];
      const path = `${error.validationContext ?? 'body'}${first?.instancePath ?? ''}`;
      return reply.code(400).send({ error: 'E_REQUEST', message: `${path} ${first?.message ?? 'is invalid'}`, path, details: error.validation.map((v) => ({ path: `${error.validationContext ?? 'body'}${v.instancePath}`, message: v.message, params: v.params })) });
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ error: error.code ?? 'E_REQUEST', message: error.message });
    }
    app.log.error(error);
    return reply.code(500).send({ error: 'E_INTERNAL', message: 'internal error; see the server log' });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'E_NOT_FOUND', message: `no route ${request.method} ${request.url}` }));

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok', version: AVCM_VERSION, runsActive: registry.active().length }));
  app.get<{ Querystring: { names?: 'original' } }>(
    '/metrics',
    { schema: { summary: 'Prometheus metrics (?names=original adds the original platform names promtool rejects)', querystring: { type: 'object', additionalProperties: false, properties: { names: { type: 'string', enum: ['original'] } } } } },
    async (request, reply) => {
    const { contentType, body } = await options.metrics.render({ legacyNames: request.query.names === 'original' });
    return reply.type(contentType).send(body);
  },
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  registerRunRoutes(app, registry, limits);
  registerTestRoutes(app, registry, limits);
  await app.ready();
  return { app, registry };
}
