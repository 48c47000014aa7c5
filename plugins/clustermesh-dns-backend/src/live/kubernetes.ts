import type {
  AuthService,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import type { LiveCheckResult } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { parseIpAddress } from '@clustermesh-dns/backstage-plugin-clustermesh-dns-common';
import { mapLimit } from './limit';

/** One Service to look at. */
export interface ServiceQuery {
  cluster: string;
  /** The Kubernetes plugin's name of the cluster; undefined when not mapped. */
  kubernetesCluster?: string;
  expected: string;
}

/**
 * The `service-ip-assigned` live check: the clustermesh-apiserver Service,
 * read through the Kubernetes backend plugin's proxy
 * (`/api/kubernetes/proxy`, with this plugin's service credentials and the
 * `Backstage-Kubernetes-Cluster` header), must have the LB IP among its
 * LoadBalancer ingress addresses.
 */
export class KubernetesServiceCheck {
  constructor(
    private readonly options: {
      discovery: DiscoveryService;
      auth: AuthService;
      namespace: string;
      service: string;
      timeoutMs: number;
      /** Where the mesh-to-Kubernetes map is configured, for messages. */
      mapKey: string;
      concurrency?: number;
      fetch?: typeof fetch;
    },
  ) {}

  async run(queries: ServiceQuery[]): Promise<LiveCheckResult[]> {
    const { discovery, auth, namespace, service } = this.options;
    const base = await discovery.getBaseUrl('kubernetes');
    const { token } = await auth.getPluginRequestToken({
      onBehalfOf: await auth.getOwnServiceCredentials(),
      targetPluginId: 'kubernetes',
    });
    const path = `/api/v1/namespaces/${encodeURIComponent(
      namespace,
    )}/services/${encodeURIComponent(service)}`;
    const state: { blocked?: string } = {};
    return mapLimit(queries, this.options.concurrency ?? 4, q =>
      this.#check(state, q, `${base}/proxy${path}`, token),
    );
  }

  async #check(
    state: { blocked?: string },
    query: ServiceQuery,
    url: string,
    token: string,
  ): Promise<LiveCheckResult> {
    const { namespace, service, timeoutMs } = this.options;
    const what = `Service ${namespace}/${service}`;
    const result = (
      outcome: LiveCheckResult['outcome'],
      message: string,
      observed?: LiveCheckResult['observed'],
    ): LiveCheckResult => ({
      check: 'service-ip-assigned',
      cluster: query.cluster,
      outcome,
      message,
      ...(observed ? { observed } : {}),
    });
    if (!query.kubernetesCluster)
      return result(
        'not-evaluated',
        `no Kubernetes cluster is mapped to ${query.cluster} (${this.options.mapKey})`,
      );
    if (state.blocked)
      return result('not-evaluated', `Kubernetes not asked: ${state.blocked}`);
    const where = `in Kubernetes cluster ${query.kubernetesCluster}`;
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(url, {
        headers: {
          Authorization: `Bearer ${token}`,
          'Backstage-Kubernetes-Cluster': query.kubernetesCluster,
          Accept: 'application/json',
        },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const name = (error as Error).name;
      // one timeout for the run, not one per cluster
      state.blocked =
        name === 'TimeoutError' || name === 'AbortError'
          ? `the Kubernetes proxy did not answer for ${what} ${where} within ${timeoutMs} ms`
          : `the Kubernetes proxy cannot be reached: ${
              (error as Error).message
            }`;
      return result('not-evaluated', state.blocked);
    }
    if (response.status === 401 || response.status === 403) {
      await response.text().catch(() => '');
      if (!state.blocked)
        state.blocked = `the Kubernetes plugin refused this plugin's service token (${response.status}); allow it the kubernetes.proxy permission`;
      return result('not-evaluated', state.blocked, {
        status: response.status,
      });
    }
    if (response.status === 404) {
      await response.text().catch(() => '');
      return result('fail', `${what} does not exist ${where}`, { status: 404 });
    }
    if (!response.ok) {
      await response.text().catch(() => '');
      return result(
        'not-evaluated',
        `the Kubernetes proxy answered ${response.status} for ${what} ${where}`,
        { status: response.status },
      );
    }
    let body: any;
    try {
      body = await response.json();
    } catch {
      return result(
        'not-evaluated',
        `the Kubernetes proxy answered ${what} ${where} without JSON`,
      );
    }
    const type = body?.spec?.type;
    const ingress: string[] = (body?.status?.loadBalancer?.ingress ?? [])
      .map((i: { ip?: string }) => i?.ip)
      .filter((ip: unknown): ip is string => typeof ip === 'string')
      .map((ip: string) => parseIpAddress(ip)?.text ?? ip);
    const expected = parseIpAddress(query.expected)?.text ?? query.expected;
    const observed = { type: String(type ?? ''), ingress };
    if (type !== 'LoadBalancer')
      return result(
        'fail',
        `${what} ${where} is of type ${type ?? 'unknown'}, not LoadBalancer`,
        observed,
      );
    if (ingress.length === 0)
      return result(
        'fail',
        `${what} ${where} has no LoadBalancer IP yet (pending); expected ${expected}`,
        observed,
      );
    if (!ingress.includes(expected))
      return result(
        'fail',
        `${what} ${where} got ${ingress.join(', ')}, not the LB IP ${expected}`,
        observed,
      );
    return result(
      'pass',
      `${what} ${where} got the LB IP ${expected}`,
      observed,
    );
  }
}
