import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { CoreV1Api, KubeConfig, KubernetesObjectApi, Log, PatchStrategy, VersionApi, type V1Pod } from '@kubernetes/client-node';
import { AvcmError } from '../../errors/index.js';
import type { Plan, PlannedSpike } from '../../plan/index.js';
import type { ProbeReport } from '../../probe/types.js';
import type { Backend, EngineTotals, LaunchOptions, RunHandle } from '../backend.js';
import { kubernetesManifests, secretObject, type K8sObject } from './manifests.js';
import { GRAFANA_SECRET, labelValue, ORCHESTRATOR, PROBE, RUN_ID_LABEL, TURN_SECRET } from './names.js';
import { probeReportFromLog } from '../../probe/index.js';
import { RemotePartitions } from './remote-partitions.js';

export interface K8sBackendOptions {
  /** Image with `avcm` as its entrypoint, pullable by the cluster (for kind: `kind load docker-image`). */
  image: string;
  namespace: string;
  /** Leave the objects in place after the run (to inspect pods and logs). */
  keep?: boolean;
  /** Deploy Prometheus + Grafana with the run (default false: they outlive a run's usefulness). */
  monitoring?: boolean;
  /** The run start is fixed this far after apply (image pulls, scheduling), ms; default 90 000. */
  startDelayMs?: number;
  /** Kubeconfig file; default: `KUBECONFIG`, then `~/.kube/config`, then in-cluster. */
  kubeconfig?: string;
  /** Environment for `AVCM_TURN_SECRET` / `AVCM_GRAFANA_PASSWORD` (random when unset). */
  env?: NodeJS.ProcessEnv;
  /** How often pods are listed for readiness and restarts, ms; default 2000. */
  pollMs?: number;
}

const CONNECT_TIMEOUT_MS = 10_000;
const KIND_HINT = 'start a local cluster with `kind create cluster --name avcm` and load the image with `kind load docker-image avcm:0.1.0 --name avcm`, or point KUBECONFIG at a reachable cluster (see k8s/README.md)';

/**
 * Loads the kubeconfig (current context) and checks that its API server answers. Called once per
 * launch; throws E_BACKEND naming the context and server when no cluster is reachable.
 */
export async function connectCluster(options: { kubeconfig?: string; timeoutMs?: number } = {}): Promise<{ kc: KubeConfig; context: string; server: string }> {
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    throw new AvcmError('E_BACKEND', `no Kubernetes cluster reachable (cannot read kubeconfig ${options.kubeconfig ?? '(default)'}): ${(error as Error).message}`, { hint: KIND_HINT, cause: error });
  }
  const context = kc.getCurrentContext() || '(none)';
  const server = kc.getCurrentCluster()?.server ?? '(no cluster in kubeconfig)';
  if (!kc.getCurrentCluster()) {
    throw new AvcmError('E_BACKEND', `no Kubernetes cluster reachable (context ${context}): the kubeconfig names no cluster`, { hint: KIND_HINT });
  }
  const timeoutMs = options.timeoutMs ?? CONNECT_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      kc.makeApiClient(VersionApi).getCode(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000}s`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new AvcmError('E_BACKEND', `no Kubernetes cluster reachable (context ${context}, server ${server}): ${reason}`, { hint: KIND_HINT, cause: error });
  } finally {
    clearTimeout(timer);
  }
  return { kc, context, server };
}

function partitionOfPod(name: string): number {
  const match = /-(\d+)$/.exec(name);
  return match ? Number(match[1]) : -1;
}

/**
 * Runs the plan on the current kubeconfig context: server-side applies the manifests (the run
 * start fixed in the plan ConfigMap), follows each engine pod's log for the agent protocol lines,
 * polls pods for readiness and restarts, and reads the probe's report from the probe pod's log
 * (one `AVCM_PROBE_REPORT {json}` line, written when the probe's duration ends; the pod does not
 * restart, so the log stays readable until teardown).
 */
export class K8sBackend implements Backend {
  readonly name = 'k8s' as const;

  constructor(private readonly options: K8sBackendOptions) {}

  async launch(plan: Plan, options: LaunchOptions): Promise<RunHandle> {
    const { kc, context } = await connectCluster({ kubeconfig: this.options.kubeconfig });
    const namespace = this.options.namespace;
    const runId = labelValue(`${plan.scenario}-${Date.now().toString(36)}`);
    const startEpochMs = Date.now() + (this.options.startDelayMs ?? 90_000);
    const objects = kubernetesManifests(plan, {
      image: this.options.image,
      namespace,
      runId,
      startEpochMs,
      relay: false,
      turn: plan.transport === 'webrtc' || plan.turn !== null,
      monitoring: this.options.monitoring ?? false,
      io: options.io,
    });
    const env = this.options.env ?? process.env;
    const secrets = [
      secretObject(TURN_SECRET, env.AVCM_TURN_SECRET || randomBytes(32).toString('hex'), { namespace, runId }),
      secretObject(GRAFANA_SECRET, env.AVCM_GRAFANA_PASSWORD || randomBytes(16).toString('hex'), { namespace, runId }),
    ];
    // Namespace first, then secrets (pods reference them), then the rest in manifest order.
    const ordered = [...objects.filter((o) => o.kind === 'Namespace'), ...secrets, ...objects.filter((o) => o.kind !== 'Namespace')];
    const handle = new K8sRunHandle(kc, plan, namespace, runId, startEpochMs, ordered, this.options, options);
    options.log(`k8s: applying ${ordered.length} objects to namespace ${namespace} (context ${context}, run ${runId})`);
    try {
      await handle.apply();
      await handle.waitReady(options.signal);
    } catch (error) {
      await handle.stop();
      throw error;
    }
    return handle;
  }
}

class K8sRunHandle implements RunHandle {
  private readonly objectApi: KubernetesObjectApi;
  private readonly core: CoreV1Api;
  private readonly logs: Log;
  private readonly tracker: RemotePartitions;
  /** Which container instance (restart count) of each pod is being followed. */
  private readonly following = new Map<string, number>();
  private readonly streams: AbortController[] = [];
  private probePhase = 'Pending';
  private stopping: Promise<void> | null = null;
  private lastProgress = '';

  constructor(
    kc: KubeConfig,
    private readonly plan: Plan,
    private readonly namespace: string,
    private readonly runId: string,
    readonly startEpochMs: number,
    private readonly objects: K8sObject[],
    private readonly options: K8sBackendOptions,
    private readonly launch: LaunchOptions,
  ) {
    this.objectApi = KubernetesObjectApi.makeApiClient(kc);
    this.core = kc.makeApiClient(CoreV1Api);
    this.logs = new Log(kc);
    this.tracker = new RemotePartitions(plan.partitions);
  }

  async apply(): Promise<void> {
    for (const object of this.objects) {
      try {
        await this.objectApi.patch(object as never, undefined, undefined, 'avcm', true, PatchStrategy.ServerSideApply);
      } catch (error) {
        throw new AvcmError('E_BACKEND', `cannot apply ${object.kind}/${object.metadata.name} in namespace ${this.namespace}: ${(error as Error).message}`, {
          hint: 'check your permissions in that namespace (kubectl auth can-i create statefulsets -n NAMESPACE)',
          cause: error,
        });
      }
    }
  }

  /** Lists this run's pods: follows new engine containers' logs, records restarts and the probe's phase. */
  private async poll(): Promise<void> {
    const list = await this.core.listNamespacedPod({ namespace: this.namespace, labelSelector: `${RUN_ID_LABEL}=${this.runId}` });
    for (const pod of list.items) this.observe(pod);
  }

  private observe(pod: V1Pod): void {
    const name = pod.metadata?.name ?? '';
    if (name === PROBE) {
      this.probePhase = pod.status?.phase ?? 'Pending';
      return;
    }
    if (!name.startsWith(`${ORCHESTRATOR}-`)) return;
    const partition = partitionOfPod(name);
    const status = pod.status?.containerStatuses?.find((c) => c.name === 'engine');
    if (!status || partition < 0) return;
    this.tracker.setRestarts(partition, status.restartCount);
    if (status.state?.running && this.following.get(name) !== status.restartCount) {
      if (this.following.has(name)) this.launch.log(`k8s: ${name} restarted (${status.restartCount}); it rejoins from the plan ConfigMap`);
      this.following.set(name, status.restartCount);
      const read = this.tracker.reader(partition);
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          read(chunk);
          done();
        },
      });
      void this.logs
        .log(this.namespace, name, 'engine', sink, { follow: true })
        .then((controller) => this.streams.push(controller))
        .catch((error: Error) => this.launch.log(`k8s: cannot follow ${name}'s log: ${error.message}`));
    }
  }

  private progress(): void {
    const line = `k8s: ${this.tracker.readyCount}/${this.plan.partitions} engine pods ready, probe ${this.probePhase}`;
    if (line !== this.lastProgress) this.launch.log(line);
    this.lastProgress = line;
  }

  private async until(check: () => boolean, timeoutMs: number, what: string, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const pollMs = this.options.pollMs ?? 2_000;
    for (;;) {
      if (signal?.aborted) throw new AvcmError('E_RUN', `interrupted while waiting for ${what}`);
      await this.poll().catch((error: Error) => this.launch.log(`k8s: listing pods failed (retrying): ${error.message}`));
      this.progress();
      const failed = this.tracker.firstError();
      if (failed) throw new AvcmError('E_RUN', `partition ${failed.partition} (pod ${ORCHESTRATOR}-${failed.partition}): ${failed.message}`, failed.hint ? { hint: failed.hint } : {});
      if (check()) return;
      if (Date.now() > deadline) {
        throw new AvcmError('E_BACKEND', `timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what} (${this.lastProgress})`, {
          hint: `inspect with: kubectl -n ${this.namespace} get pods -l ${RUN_ID_LABEL}=${this.runId}; kubectl -n ${this.namespace} describe pod ${ORCHESTRATOR}-0`,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  waitReady(signal: AbortSignal): Promise<void> {
    // Pods not ready by the fixed start still join late (on the same grid); give them a minute past it.
    return this.until(() => this.tracker.readyCount === this.plan.partitions && this.probePhase === 'Running', this.startEpochMs - Date.now() + 60_000, 'the engine pods and the probe', signal);
  }

  start(runStartEpochMs: number): void {
    if (runStartEpochMs !== this.startEpochMs) this.launch.log(`k8s: the run start is fixed in the plan ConfigMap (${new Date(this.startEpochMs).toISOString()}); ignoring another start time`);
  }

  totals(): EngineTotals {
    return this.tracker.totals();
  }

  injectSpike(spike: PlannedSpike): void {
    this.launch.log(`k8s: live spike ${spike.id} not applied: pods read their spikes from the plan ConfigMap (schedule spikes in the scenario)`);
  }

  async finished(): Promise<void> {
    const budget = this.startEpochMs - Date.now() + this.plan.durationMs + 120_000;
    await this.until(() => this.tracker.doneCount === this.plan.partitions, budget, 'the engine pods to finish', this.launch.signal);
  }

  async collectProbeReport(): Promise<ProbeReport | null> {
    const budget = this.startEpochMs - Date.now() + this.plan.durationMs + 60_000;
    await this.until(() => this.probePhase === 'Succeeded' || this.probePhase === 'Failed', Math.max(budget, 30_000), 'the probe to write its report');
    const log = await this.core.readNamespacedPodLog({ name: PROBE, namespace: this.namespace, container: 'probe' });
    const report = probeReportFromLog(log);
    if (!report) {
      throw new AvcmError('E_BACKEND', `the probe pod ${PROBE} (${this.probePhase}) left no report line in its log`, {
        hint: `kubectl -n ${this.namespace} logs ${PROBE}`,
      });
    }
    return report;
  }

  restarts(): { partition: number; count: number }[] {
    return this.tracker.restarts();
  }

  stop(): Promise<void> {
    this.stopping ??= this.teardown();
    return this.stopping;
  }

  private async teardown(): Promise<void> {
    for (const stream of this.streams) stream.abort();
    if (this.options.keep) {
      this.launch.log(`k8s: keeping the run's objects (kubectl -n ${this.namespace} delete all,configmap,secret -l ${RUN_ID_LABEL}=${this.runId})`);
      return;
    }
    // Reverse order; the Namespace stays (it may hold other things), cluster-wide RBAC goes.
    for (const object of [...this.objects].reverse()) {
      if (object.kind === 'Namespace') continue;
      await this.objectApi.delete(object as never, undefined, undefined, 0, undefined, 'Background').catch(() => undefined);
    }
  }
}
