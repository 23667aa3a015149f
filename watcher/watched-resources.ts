import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { AGENT_POD_SELECTOR, hasAgentTemplate, MANAGED_SELECTOR } from '../model/labels';
import { ADMIN_SECRET, NAMESPACE_CONFIG, OPERATOR_CONFIG, waypointGatewayName } from '../model/names';
import { waypointState, type GatewayObject } from '../model/waypoint-gateway';
import { ChangeMemory, changeMemory } from './change-memory';
import { isNamespaceEcho, isWorkloadEcho, namespaceView, workloadView } from './own-writes';
import { metadataOnlyList } from './metadata-only';
import { pagedList } from './paged-list';

/** One watched resource, and which of its events can call for a provisioning pass. */
export interface WatchedResource {
  name: 'pods' | 'deployments' | 'statefulsets' | 'namespaces' | 'gateways' | 'secrets' | 'namespace-configs' | 'operator-config' | 'admin-secret';
  path: string;
  list: () => Promise<KubernetesListObject<KubernetesObject>>;
  labelSelector?: string;
  fieldSelector?: string;
  /**
   * Whose settings a change of it changes: its own namespace's (the default), or every namespace's
   * (the operator config and admin Secret in the operator namespace).
   */
  scope?: 'namespace' | 'operator';
  /** Whether an object is the provisioner's business at all; all are when absent. */
  relevant?: (o: KubernetesObject) => boolean;
  /** Which additions matter (all when absent); it also sees every addition, to remember what it needs. */
  add?: (o: KubernetesObject) => boolean;
  /**
   * Which updates matter (all when absent), as a change; or 'waypoint' when only istiod's verdict
   * on a waypoint changed, which the workflow weighs against what it knows (see WakeReason).
   */
  update?: (o: KubernetesObject) => boolean | 'waypoint';
  /** Which deletions matter; all when absent. */
  delete?: (o: KubernetesObject) => boolean;
  /** Listed and watched as metadata only (Secrets: never their data). */
  metadataOnly?: boolean;
}

export const isRelevant = (resource: WatchedResource, object: KubernetesObject) => !resource.relevant || resource.relevant(object);

/**
 * Everything whose change can call for a pass, and which events of each. Status churn is left out
 * (pod phases, rollout progress, Gateway conditions), and so are the echoes of the provisioner's
 * own writes (see own-writes.ts): its labels and status annotation on a Namespace, the credentials
 * annotation on a workload, the Gateway and the Secrets it creates, and the pods its annotation rolls.
 * One status change counts: istiod's verdict on a waypoint (ready or not, refused or not) that
 * a namespace waits for instead of reading it again and again. `holdsAgents` tells whether the
 * caches hold another agent in a namespace, `awaitsWaypoint` whether a namespace waits for the verdict.
 */
export function watchedResources(
  kc: KubeConfig,
  operatorNamespace: string,
  holdsAgents: (namespace: string, except?: string) => boolean,
  awaitsWaypoint: (gateway: KubernetesObject) => boolean,
): { resources: WatchedResource[]; memories: ChangeMemory[] } {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const workloads = changeMemory(workloadView, (o, before, after) => isWorkloadEcho(o.metadata?.namespace ?? '', o.metadata?.name ?? '', before, after), true);
  const namespaces = changeMemory(namespaceView, (o, before, after) => isNamespaceEcho(o.metadata?.name ?? '', before, after));
  // A Gateway's generation moves with its spec only: a changed listener or class is drift, a status write is not.
  const gateways = changeMemory(() => true, () => false, true);
  // istiod's verdict (ready or not, refused or not): the namespace is told when it changes. Its
  // reason and message alone changing is not news (istiod rewrites them as it goes).
  const verdicts = changeMemory((o) => JSON.stringify(waypointState(o as GatewayObject)), () => false);
  // Agent pods matter only when they decide whether the namespace holds agents at all: the first
  // one to arrive, or the last one to go when no agent workload is left.
  const firstOrLastPod = (o: KubernetesObject) => !holdsAgents(o.metadata?.namespace ?? '', o.metadata?.uid);
  /** Deployments or StatefulSets whose pod template is an agent's or a tool's. */
  const agentWorkloads = (name: 'deployments' | 'statefulsets', list: WatchedResource['list']): WatchedResource => ({
    name,
    path: `/apis/apps/v1/${name}`,
    list,
    relevant: (o) => hasAgentTemplate(o as never),
    add: workloads.changed,
    update: workloads.changed,
  });
  const resources: WatchedResource[] = [
    {
      name: 'pods',
      path: '/api/v1/pods',
      labelSelector: AGENT_POD_SELECTOR,
      list: pagedList('pods', (page) => core.listPodForAllNamespaces({ labelSelector: AGENT_POD_SELECTOR, ...page })),
      add: firstOrLastPod,
      update: () => false,
      delete: firstOrLastPod,
    },
    agentWorkloads('deployments', pagedList('deployments', (page) => apps.listDeploymentForAllNamespaces(page))),
    agentWorkloads('statefulsets', pagedList('statefulsets', (page) => apps.listStatefulSetForAllNamespaces(page))),
    { name: 'namespaces', path: '/api/v1/namespaces', list: pagedList('namespaces', (page) => core.listNamespace(page)), add: namespaces.changed, update: namespaces.changed },
    {
      name: 'gateways',
      path: '/apis/gateway.networking.k8s.io/v1/gateways',
      list: pagedList(
        'gateways',
        (page) => custom.listCustomObjectForAllNamespaces({ group: 'gateway.networking.k8s.io', version: 'v1', resourcePlural: 'gateways', ...page }) as Promise<KubernetesListObject<KubernetesObject>>,
      ),
      // Only the provisioner's own waypoints: other Gateways are not its business. Creating one is
      // the provisioner's doing; a change of istiod's verdict is told to a namespace that waits for
      // it, in its pass or between passes.
      relevant: (o) => o.metadata?.name === waypointGatewayName(o.metadata?.namespace ?? ''),
      add: (o) => {
        gateways.changed(o);
        verdicts.changed(o);
        return false;
      },
      update: (o) => {
        const drifted = gateways.changed(o);
        const newVerdict = verdicts.changed(o) && awaitsWaypoint(o);
        return drifted || (newVerdict ? 'waypoint' : false);
      },
    },
    {
      name: 'secrets',
      path: '/api/v1/secrets',
      labelSelector: MANAGED_SELECTOR,
      list: pagedList('secrets', (page) => core.listSecretForAllNamespaces({ labelSelector: MANAGED_SELECTOR, ...page }, metadataOnlyList())),
      metadataOnly: true,
      // Its creation is the provisioner's own doing; a change or a deletion is drift.
      add: () => false,
    },
    // The settings a pass resolves (spec §4): a change wakes whom it concerns, so a fixed setting
    // heals within seconds. Secrets are read as metadata only: never their data.
    {
      name: 'namespace-configs',
      path: '/api/v1/configmaps',
      fieldSelector: `metadata.name=${NAMESPACE_CONFIG}`,
      list: pagedList('namespace-configs', (page) => core.listConfigMapForAllNamespaces({ fieldSelector: `metadata.name=${NAMESPACE_CONFIG}`, ...page })),
      relevant: (o) => holdsAgents(o.metadata?.namespace ?? ''),
    },
    {
      name: 'operator-config',
      path: `/api/v1/namespaces/${operatorNamespace}/configmaps`,
      fieldSelector: `metadata.name=${OPERATOR_CONFIG}`,
      list: pagedList('operator-config', (page) => core.listNamespacedConfigMap({ namespace: operatorNamespace, fieldSelector: `metadata.name=${OPERATOR_CONFIG}`, ...page })),
      scope: 'operator',
    },
    {
      name: 'admin-secret',
      path: `/api/v1/namespaces/${operatorNamespace}/secrets`,
      fieldSelector: `metadata.name=${ADMIN_SECRET}`,
      list: pagedList('admin-secret', (page) => core.listNamespacedSecret({ namespace: operatorNamespace, fieldSelector: `metadata.name=${ADMIN_SECRET}`, ...page }, metadataOnlyList())),
      metadataOnly: true,
      scope: 'operator',
    },
  ];
  return { resources, memories: [workloads, namespaces, gateways, verdicts] };
}
