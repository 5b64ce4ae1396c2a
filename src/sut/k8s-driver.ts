import type { K8sWorkloads } from '../backends/k8s/index.js';
import type { SutSpec } from '../plan/types.js';
import { AvcmError, toAvcmError } from '../errors/index.js';
import type { SutAction, SutActionOutcome, SutDriver } from './types.js';

type K8sSpec = Extract<SutSpec, { driver: 'k8s' }>;

/**
 * The `k8s` driver: the SUT's pods by label selector, through the Kubernetes API (the k8s seam's
 * `K8sWorkloads`). Pods cannot be frozen, so:
 * - sut_restart deletes the pods (their own grace period); their controller makes new ones;
 * - sut_kill deletes them with no grace period; with `deployment` it also scales it to 0 and, at
 *   the spike's end, back to the replicas it had (the SUT stays down for the spike);
 * - sut_pause needs `deployment`: scaled to 0 at the start, back at the end.
 * The report gets the calls and the pods they touched.
 */
export class K8sDriver implements SutDriver {
  readonly name = 'k8s';
  /** The Deployment's replicas before the driver scaled it down; what `start`/`resume` restore. */
  private replicasBefore: number | null = null;

  constructor(
    private readonly spec: K8sSpec,
    private readonly workloads: Pick<K8sWorkloads, 'podNames' | 'deletePods' | 'replicas' | 'scale'>,
  ) {}

  /** Connects to the cluster and checks the selector matches pods (and the deployment exists), E_SUT_DRIVER otherwise. */
  static async open(spec: K8sSpec): Promise<K8sDriver> {
    const { K8sWorkloads } = await import('../backends/k8s/index.js');
    const workloads = await K8sWorkloads.connect({ namespace: spec.namespace, kubeconfig: spec.kubeconfig ?? undefined, timeoutMs: Math.min(spec.timeoutMs, 10_000) });
    const driver = new K8sDriver(spec, workloads);
    await driver.check();
    return driver;
  }

  /** The selector matches at least one pod, and the deployment (when named) can be read. */
  async check(): Promise<void> {
    try {
      const pods = await this.workloads.podNames(this.spec.selector);
      if (pods.length === 0) throw new AvcmError('E_SUT_DRIVER', `no pod in namespace ${this.spec.namespace} matches the sut selector ${this.spec.selector}`, { hint: 'start the system under test first; kubectl get pods -n NAMESPACE --show-labels shows what the selector can match' });
      if (this.spec.deployment) await this.workloads.replicas(this.spec.deployment);
    } catch (error) {
      const cause = toAvcmError(error);
      throw cause.code === 'E_SUT_DRIVER' ? cause : new AvcmError('E_SUT_DRIVER', cause.message, { hint: cause.hint, cause: error });
    }
  }

  supports(action: SutAction): boolean {
    if (action === 'restart' || action === 'kill' || action === 'stop') return true;
    // Bringing the SUT back, or pausing it, is scaling a Deployment.
    return this.spec.deployment !== null;
  }

  async run(action: SutAction): Promise<SutActionOutcome> {
    const { selector, deployment, namespace } = this.spec;
    try {
      switch (action) {
        case 'restart': {
          const pods = await this.withTimeout(this.workloads.deletePods(selector));
          return this.done(`delete pods -n ${namespace} -l ${selector}`, `deleted ${pods.length} pods: ${pods.join(', ')}`);
        }
        case 'kill':
        case 'stop':
        case 'pause': {
          const lines: string[] = [];
          let detail = '';
          if (deployment) {
            this.replicasBefore ??= await this.withTimeout(this.workloads.replicas(deployment));
            await this.withTimeout(this.workloads.scale(deployment, 0));
            detail = `scale deployment/${deployment} -n ${namespace} --replicas=0`;
            lines.push(`scaled deployment/${deployment} from ${this.replicasBefore} to 0`);
          }
          if (action === 'kill' || !deployment) {
            const pods = await this.withTimeout(this.workloads.deletePods(selector, action === 'kill' ? 0 : undefined));
            detail = [detail, `delete pods -n ${namespace} -l ${selector}${action === 'kill' ? ' --grace-period=0' : ''}`].filter(Boolean).join(' ; ');
            lines.push(`deleted ${pods.length} pods: ${pods.join(', ')}`);
          }
          return this.done(detail, lines.join('; '));
        }
        case 'start':
        case 'resume': {
          if (!deployment) return { ok: false, exitCode: null, output: '', detail: action, error: `the sut k8s driver needs deployment to ${action} the SUT` };
          const replicas = this.replicasBefore ?? 1;
          await this.withTimeout(this.workloads.scale(deployment, replicas));
          this.replicasBefore = null;
          return this.done(`scale deployment/${deployment} -n ${namespace} --replicas=${replicas}`, `scaled deployment/${deployment} to ${replicas}`);
        }
      }
    } catch (error) {
      return { ok: false, exitCode: null, output: '', detail: `${action} (${selector})`, error: toAvcmError(error).message };
    }
  }

  private done(detail: string, output: string): SutActionOutcome {
    return { ok: true, exitCode: null, output, detail, error: null };
  }

  private withTimeout<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new AvcmError('E_SUT_ACTION_FAILED', `the Kubernetes API did not answer within ${this.spec.timeoutMs / 1000}s`)), this.spec.timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  }

  async close(): Promise<void> {}
}
