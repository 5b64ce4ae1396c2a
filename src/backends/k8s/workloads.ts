/**
 * The Kubernetes API calls the SUT driver makes (`sut: { driver: k8s }`): pods by label selector
 * and a Deployment's scale. Part of the k8s seam: only src/backends/k8s imports the client library.
 */
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { AvcmError } from '../../errors/index.js';
import { connectCluster } from './k8s-backend.js';

/** The API's own words for a failed request (its Status message when it sent one). */
function apiReason(error: unknown): string {
  const body = (error as { body?: unknown } | null)?.body;
  if (typeof body === 'string') {
    try {
      const status = JSON.parse(body) as { message?: string };
      if (status.message) return status.message;
    } catch {
      return body.slice(0, 300);
    }
  }
  return error instanceof Error ? error.message : String(error);
}

function apiCode(error: unknown): number | undefined {
  return (error as { code?: number } | null)?.code;
}

/** Pods and a Deployment's replicas in one namespace, as the SUT driver acts on them. */
export class K8sWorkloads {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;

  constructor(
    kc: KubeConfig,
    readonly namespace: string,
    /** Where the kubeconfig points, for messages. */
    readonly server: string,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.apps = kc.makeApiClient(AppsV1Api);
  }

  /** Loads the kubeconfig and checks the API server answers (E_SUT_DRIVER otherwise). */
  static async connect(options: { namespace: string; kubeconfig?: string; timeoutMs?: number }): Promise<K8sWorkloads> {
    try {
      const { kc, server } = await connectCluster({ kubeconfig: options.kubeconfig, timeoutMs: options.timeoutMs });
      return new K8sWorkloads(kc, options.namespace, server);
    } catch (error) {
      const cause = error as AvcmError;
      throw new AvcmError('E_SUT_DRIVER', `the sut k8s driver cannot reach the cluster: ${cause.message}`, { hint: cause.hint, cause: error });
    }
  }

  private failed(what: string, error: unknown): AvcmError {
    const missing = apiCode(error) === 404;
    return new AvcmError('E_SUT_ACTION_FAILED', `Kubernetes ${what} in namespace ${this.namespace} failed: ${apiReason(error)}`, {
      hint: missing ? 'check sut.namespace, sut.selector and sut.deployment against `kubectl get pods,deployments -n NAMESPACE --show-labels`' : `check that the kubeconfig's user may do this (kubectl auth can-i; server ${this.server})`,
      cause: error,
    });
  }

  /** Names of the pods the selector matches (any phase). */
  async podNames(selector: string): Promise<string[]> {
    try {
      const list = await this.core.listNamespacedPod({ namespace: this.namespace, labelSelector: selector });
      return list.items.map((pod) => pod.metadata?.name ?? '').filter(Boolean);
    } catch (error) {
      throw this.failed(`listing pods ${selector}`, error);
    }
  }

  /**
   * Deletes every pod the selector matches; their controller (Deployment, StatefulSet) makes new
   * ones. `graceSeconds` 0 kills at once; undefined uses each pod's own grace period. Returns
   * the names deleted (a pod already gone is skipped).
   */
  async deletePods(selector: string, graceSeconds?: number): Promise<string[]> {
    const names = await this.podNames(selector);
    const deleted: string[] = [];
    for (const name of names) {
      try {
        await this.core.deleteNamespacedPod({ name, namespace: this.namespace, ...(graceSeconds === undefined ? {} : { gracePeriodSeconds: graceSeconds }) });
        deleted.push(name);
      } catch (error) {
        if (apiCode(error) !== 404) throw this.failed(`deleting pod ${name}`, error);
      }
    }
    return deleted;
  }

  /** The Deployment's desired replicas (its scale subresource). */
  async replicas(deployment: string): Promise<number> {
    try {
      const scale = await this.apps.readNamespacedDeploymentScale({ name: deployment, namespace: this.namespace });
      return scale.spec?.replicas ?? 0;
    } catch (error) {
      throw this.failed(`reading the scale of deployment ${deployment}`, error);
    }
  }

  /** Sets the Deployment's replicas through its scale subresource (what `kubectl scale` does). */
  async scale(deployment: string, replicas: number): Promise<void> {
    try {
      await this.apps.replaceNamespacedDeploymentScale({
        name: deployment,
        namespace: this.namespace,
        body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: deployment, namespace: this.namespace }, spec: { replicas } },
      });
    } catch (error) {
      throw this.failed(`scaling deployment ${deployment} to ${replicas}`, error);
    }
  }
}
