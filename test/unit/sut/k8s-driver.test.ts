import http from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AvcmError } from '../../../src/errors/index.js';
import type { SutSpec } from '../../../src/plan/types.js';
import { openSutDriver } from '../../../src/sut/index.js';

/**
 * No Kubernetes API server can run on this machine. This is a stand-in that answers the few
 * requests the k8s driver makes, in the shapes of the Kubernetes API (core/v1 Pods, apps/v1
 * Deployment scale subresource), and records them: the driver is exercised through the real
 * client library over HTTP, and the test checks the requests a real API server would get.
 */
class KubeApiStandIn {
  readonly requests: { method: string; path: string; query: Record<string, string>; body: unknown }[] = [];
  pods = ['janus-7d9f-abcde', 'janus-7d9f-fghij'];
  replicas = 3;
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    let text = '';
    for await (const chunk of req) text += chunk;
    const url = new URL(req.url ?? '/', this.url);
    const body = text ? JSON.parse(text) : null;
    this.requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), body });
    const json = (status: number, value: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    const scale = () => ({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'janus', namespace: 'sfu' }, spec: { replicas: this.replicas }, status: { replicas: this.replicas } });
    if (url.pathname === '/version' || url.pathname === '/version/') return json(200, { major: '1', minor: '30', gitVersion: 'v1.30.0' });
    if (req.method === 'GET' && url.pathname === '/api/v1/namespaces/sfu/pods') {
      const matches = url.searchParams.get('labelSelector') === 'app=janus' ? this.pods : [];
      return json(200, { apiVersion: 'v1', kind: 'PodList', metadata: {}, items: matches.map((name) => ({ metadata: { name, namespace: 'sfu', labels: { app: 'janus' } } })) });
    }
    const pod = /^\/api\/v1\/namespaces\/sfu\/pods\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'DELETE' && pod) return json(200, { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod[1], namespace: 'sfu' } });
    if (url.pathname === '/apis/apps/v1/namespaces/sfu/deployments/janus/scale') {
      if (req.method === 'PUT') this.replicas = (body as { spec: { replicas: number } }).spec.replicas;
      return json(200, scale());
    }
    if (url.pathname.startsWith('/apis/apps/v1/namespaces/sfu/deployments/')) return json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'deployments.apps "nope" not found', reason: 'NotFound', code: 404 });
    json(404, { kind: 'Status', status: 'Failure', message: `no route ${req.method} ${url.pathname}`, code: 404 });
  }

  /** The requests after `from`, without the version probe, as `METHOD path?query`. */
  since(from: number): string[] {
    return this.requests
      .slice(from)
      .filter((r) => !r.path.startsWith('/version'))
      .map((r) => `${r.method} ${r.path}${Object.keys(r.query).length ? `?${new URLSearchParams(r.query).toString()}` : ''}`);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let api: KubeApiStandIn;
let kubeconfig: string;
beforeAll(async () => {
  api = new KubeApiStandIn();
  await api.start();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'avcm-kube-'));
  kubeconfig = path.join(dir, 'config');
  writeFileSync(
    kubeconfig,
    ['apiVersion: v1', 'kind: Config', 'current-context: standin', `clusters: [{ name: standin, cluster: { server: "${api.url}", insecure-skip-tls-verify: true } }]`, 'users: [{ name: tester, user: { token: "t" } }]', 'contexts: [{ name: standin, context: { cluster: standin, user: tester } }]', ''].join('\n'),
  );
});
afterAll(async () => api.close());

const spec = (fields: Partial<Extract<SutSpec, { driver: 'k8s' }>> = {}): Extract<SutSpec, { driver: 'k8s' }> => ({ driver: 'k8s', namespace: 'sfu', selector: 'app=janus', deployment: null, kubeconfig, timeoutMs: 10_000, ...fields });
const context = { spikeId: '0.0', spikeType: 'sut_restart' as const };

describe('the k8s driver through the Kubernetes API (a stand-in server: none can run here)', () => {
  it('sut_restart deletes the pods the selector matches, each with its own grace period', async () => {
    const driver = await openSutDriver(spec(), { baseDir: '.', env: process.env });
    const from = api.requests.length;
    const outcome = await driver.run('restart', context);
    expect(outcome).toMatchObject({ ok: true, detail: 'delete pods -n sfu -l app=janus', output: 'deleted 2 pods: janus-7d9f-abcde, janus-7d9f-fghij' });
    expect(api.since(from)).toEqual(['GET /api/v1/namespaces/sfu/pods?labelSelector=app%3Djanus', 'DELETE /api/v1/namespaces/sfu/pods/janus-7d9f-abcde', 'DELETE /api/v1/namespaces/sfu/pods/janus-7d9f-fghij']);
  });

  it('sut_kill with a deployment: scaled to 0 and pods deleted at once; its end scales back to the replicas it had', async () => {
    api.replicas = 3;
    const driver = await openSutDriver(spec({ deployment: 'janus' }), { baseDir: '.', env: process.env });
    const from = api.requests.length;
    const kill = await driver.run('kill', context);
    expect(kill).toMatchObject({ ok: true, output: 'scaled deployment/janus from 3 to 0; deleted 2 pods: janus-7d9f-abcde, janus-7d9f-fghij' });
    expect(api.replicas).toBe(0);
    const start = await driver.run('start', context);
    expect(start).toMatchObject({ ok: true, detail: 'scale deployment/janus -n sfu --replicas=3' });
    expect(api.replicas).toBe(3);
    expect(api.since(from)).toEqual([
      'GET /apis/apps/v1/namespaces/sfu/deployments/janus/scale',
      'PUT /apis/apps/v1/namespaces/sfu/deployments/janus/scale',
      'GET /api/v1/namespaces/sfu/pods?labelSelector=app%3Djanus',
      'DELETE /api/v1/namespaces/sfu/pods/janus-7d9f-abcde?gracePeriodSeconds=0',
      'DELETE /api/v1/namespaces/sfu/pods/janus-7d9f-fghij?gracePeriodSeconds=0',
      'PUT /apis/apps/v1/namespaces/sfu/deployments/janus/scale',
    ]);
    const put = api.requests.filter((r) => r.method === 'PUT').at(-1)!;
    expect(put.body).toEqual({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'janus', namespace: 'sfu' }, spec: { replicas: 3 } });
  });

  it('sut_pause scales the deployment to 0 (pods cannot be frozen) and back, deleting nothing itself', async () => {
    api.replicas = 2;
    const driver = await openSutDriver(spec({ deployment: 'janus' }), { baseDir: '.', env: process.env });
    const from = api.requests.length;
    expect(await driver.run('pause', context)).toMatchObject({ ok: true, output: 'scaled deployment/janus from 2 to 0' });
    expect(await driver.run('resume', context)).toMatchObject({ ok: true, output: 'scaled deployment/janus to 2' });
    expect(api.since(from).filter((r) => r.startsWith('DELETE'))).toEqual([]);
    expect(api.replicas).toBe(2);
  });

  it('checks before the run: a selector matching no pod, or a missing deployment, is E_SUT_DRIVER', async () => {
    const noPods = (await openSutDriver(spec({ selector: 'app=nothing' }), { baseDir: '.', env: process.env }).catch((e: AvcmError) => e)) as AvcmError;
    expect(noPods.code).toBe('E_SUT_DRIVER');
    expect(noPods.message).toBe('no pod in namespace sfu matches the sut selector app=nothing');
    const noDeployment = (await openSutDriver(spec({ deployment: 'nope' }), { baseDir: '.', env: process.env }).catch((e: AvcmError) => e)) as AvcmError;
    expect(noDeployment.code).toBe('E_SUT_DRIVER');
    expect(noDeployment.message).toMatch(/deployment nope .*not found/);
  });

  it('no reachable API server is E_SUT_DRIVER naming it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'avcm-kube-'));
    const nowhere = path.join(dir, 'config');
    writeFileSync(nowhere, readFileSync(kubeconfig, 'utf8').replace(api.url, 'http://127.0.0.1:1'));
    const error = (await openSutDriver(spec({ kubeconfig: nowhere }), { baseDir: '.', env: process.env }).catch((e: AvcmError) => e)) as AvcmError;
    expect(error.code).toBe('E_SUT_DRIVER');
    expect(error.message).toMatch(/^the sut k8s driver cannot reach the cluster: no Kubernetes cluster reachable \(context standin, server http:\/\/127\.0\.0\.1:1\)/);
  });
});

