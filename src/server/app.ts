import swagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { AvcmError } from '../errors/index.js';
import type { AvcmMetrics } from '../metrics/index.js';
import type { Runner } from '../runner/types.js';
import { AVCM_VERSION } from '../version.js';
import { tokenMatches } from './auth.js';
import { runRoutes } from './routes/runs.js';
import { testRoutes } from './routes/tests.js';
import { RegistryError, RunRegistry } from './run-registry.js';
import { ScenarioBodyError } from './scenario-body.js';
import { METRICS_QUERY } from './schemas.js';

export interface ServerOptions {
  /** Starts the runs (the real runner in `avcm serve`; tests may pass one that follows the contract). */
  runner: Runner;
  metrics: AvcmMetrics;
  /** Parent folder of the runs' report folders (`<reportsDir>/<run id>/`). */
  reportsDir: string;
  /** When set, every route but /healthz needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Largest request body, bytes; more is a 413. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Largest participant count a posted scenario may ask for. Default 5000. */
  maxParticipants?: number;
  /** Runs queued or running at once; one more is a 429. Default 4. */
  maxConcurrentRuns?: number;
  /** Finished runs kept for GET. Default 1000. */
  maxRetainedRuns?: number;
  /** fastify's request log (pino) on stdout. Default off. */
  logger?: boolean;
}

/** What {@link buildServer} gives back: the app (ready; `listen` or `inject`) and its runs. */
export interface AvcmServer {
  app: FastifyInstance;
  /** The server's runs; `stopAll(signal)` before `app.close()` for a graceful shutdown. */
  registry: RunRegistry;
}

/**
 * Builds the REST control plane: scenario runs, the interactive chaos API, /metrics, /healthz and
 * /openapi.json. Every body and parameter has a JSON Schema (extra properties are rejected, not
 * stripped); bad input is a 4xx JSON error with the path and the reason, never a 5xx.
 * Nothing is shared between two servers built in one process.
 */
export async function buildServer(options: ServerOptions): Promise<AvcmServer> {
  const limits = { maxParticipants: options.maxParticipants ?? 5000 };
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.maxBodyBytes ?? 1 << 20,
    // Ids arrive in the path; keep them short enough that a hostile URL costs nothing.
    routerOptions: { maxParamLength: 128 },
    // Errors the router raises before any route runs (e.g. an over-long path parameter) get the same JSON shape.
    frameworkErrors: (error, _request, reply) => {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
      const message = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'a path parameter is longer than 128 characters (ids are at most 64)' : error.message.slice(0, 200);
      void (reply as unknown as FastifyReply).code(status).send({ error: 'E_REQUEST', message });
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true, useDefaults: false } },
  });
  const registry = new RunRegistry(options.runner, {
    reportsDir: options.reportsDir,
    maxConcurrentRuns: options.maxConcurrentRuns ?? 4,
    maxRetainedRuns: options.maxRetainedRuns,
    metrics: options.metrics,
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'avcm control plane', version: AVCM_VERSION, description: 'Scenario runs, live chaos injection, WebRTC signaling, metrics.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: options.token ? [{ bearer: [] }] : [],
    },
  });

  app.addHook('onRequest', async (request, reply) => {
    if (!options.token || request.routeOptions.url === '/healthz') return;
    if (!tokenMatches(options.token, request.headers.authorization)) {
      await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'E_AUTH', message: 'missing or wrong bearer token: send "Authorization: Bearer <token>" (the token avcm serve was started with)' });
    }
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ScenarioBodyError) return reply.code(400).send({ error: error.code, message: error.message, problems: error.problems });
    if (error instanceof RegistryError) return reply.code(error.statusCode).send({ error: error.code, message: error.message, ...(error.path ? { path: error.path } : {}) });
    if (error.validation) {
      const context = error.validationContext ?? 'body';
      const first = error.validation[0];
      const path = `${context}${first?.instancePath ?? ''}`;
      const reason = first?.keyword === 'additionalProperties' ? `has an unknown property "${String((first.params as { additionalProperty?: unknown }).additionalProperty)}"` : first?.message ?? 'is invalid';
      return reply.code(400).send({
        error: 'E_REQUEST',
        message: `${path} ${reason}`,
        path,
        details: error.validation.slice(0, 20).map((v) => ({ path: `${context}${v.instancePath}`, message: v.message, params: v.params })),
      });
    }
    // Runner refusals of the caller's input (AvcmError with the usage/scenario exit code) are client mistakes.
    if (error instanceof AvcmError && error.exitCode === 2) return reply.code(400).send({ error: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) });
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.code(415).send({ error: 'E_REQUEST', message: `unsupported content-type ${JSON.stringify(request.headers['content-type'] ?? '')}: send application/json${request.url.startsWith('/api/v1/runs') ? ', application/yaml or text/yaml' : ''}` });
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send({ error: 'E_REQUEST', message: `the request body is too large: this server takes at most ${options.maxBodyBytes ?? 1 << 20} bytes` });
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send({ error: 'E_REQUEST', message: error.message, code: error.code });
    }
    app.log.error(error);
    return reply.code(500).send({ error: 'E_INTERNAL', message: 'internal error; see the server log' });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'E_NOT_FOUND', message: `no route ${request.method} ${request.url.slice(0, 200)}; see /openapi.json` }));

  app.get('/healthz', { schema: { summary: 'Liveness (never needs the token)' } }, async () => ({ status: 'ok', version: AVCM_VERSION, runsActive: registry.active().length }));
  app.get<{ Querystring: { names?: 'original' } }>(
    '/metrics',
    { schema: { summary: 'Prometheus metrics (?names=original adds the original platform names promtool rejects)', querystring: METRICS_QUERY } },
    async (request, reply) => {
      const { contentType, body } = await options.metrics.render({ legacyNames: request.query.names === 'original' });
      return reply.type(contentType).send(body);
    },
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(runRoutes(registry, limits));
  await app.register(testRoutes(registry, limits));
  await app.ready();
  return { app, registry };
}
