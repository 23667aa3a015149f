import type { V1Deployment, V1StatefulSet } from '@kubernetes/client-node';
import type { AgentWorkload, EnsureResult, NamespaceInspection, WorkloadType } from '../../model/provisioning';
import { isNotFound } from '../../model/errors';
import { KubeClients, MERGE_PATCH, unlessMissing } from './clients';
import {
  AGENT_POD_SELECTOR,
  AGENT_TYPES,
  CHANGED_BY_PASS_ANNOTATION,
  CREDENTIALS_ANNOTATION,
  ISTIO_INJECTION_LABEL,
  MIGRATION_ANNOTATION,
  REGISTRATION_INJECT_LABEL,
  STATUS_ANNOTATION,
  TYPE_LABEL,
} from '../../model/labels';
import { ambientLabels, waypointGatewayName } from '../../model/names';

function toWorkload(kind: AgentWorkload['kind'], object: V1Deployment | V1StatefulSet): AgentWorkload | undefined {
  const template = object.spec?.template;
  const type = template?.metadata?.labels?.[TYPE_LABEL];
  if (!type || !AGENT_TYPES.has(type) || object.metadata?.deletionTimestamp) return undefined;
  return {
    kind,
    name: object.metadata!.name!,
    uid: object.metadata!.uid!,
    type: type as WorkloadType,
    serviceAccountName: template?.spec?.serviceAccountName ?? '',
    legacyRegistration: template?.metadata?.annotations?.[REGISTRATION_INJECT_LABEL] === 'true' || template?.metadata?.labels?.[REGISTRATION_INJECT_LABEL] === 'true',
    credentialsSecretAnnotation: template?.metadata?.annotations?.[CREDENTIALS_ANNOTATION],
  };
}

/**
 * Reads everything a pass decides on: the namespace and its agent workloads, side by side, and only
 * when it has no agent workload its agent and tool pods (which then decide whether it is an agent
 * namespace at all).
 */
export async function inspectNamespace(k8s: KubeClients, namespace: string): Promise<NamespaceInspection> {
  const [ns, deployments, statefulSets] = await Promise.all([
    unlessMissing(k8s.core.readNamespace({ name: namespace })),
    k8s.apps.listNamespacedDeployment({ namespace }),
    k8s.apps.listNamespacedStatefulSet({ namespace }),
  ]);
  if (!ns) {
    return { exists: false, terminating: false, optedIn: false, ambientLabelsSet: false, agentPods: 0, toolPods: 0, workloads: [], sidecarMode: false, provisionedBefore: false, waypointGateway: waypointGatewayName(namespace) };
  }
  const workloads = [
    ...deployments.items.map((d) => toWorkload('Deployment', d)),
    ...statefulSets.items.map((s) => toWorkload('StatefulSet', s)),
  ].filter((w): w is AgentWorkload => w !== undefined);
  workloads.sort((a, b) => `${a.kind}/${a.name}`.localeCompare(`${b.kind}/${b.name}`));
  const pods = workloads.length > 0 ? [] : (await k8s.core.listNamespacedPod({ namespace, labelSelector: AGENT_POD_SELECTOR })).items;
  const livePods = pods.filter((p) => !p.metadata?.deletionTimestamp);
  return {
    exists: true,
    terminating: Boolean(ns.metadata?.deletionTimestamp),
    optedIn: ns.metadata?.labels?.[TYPE_LABEL] === 'agent',
    ambientLabelsSet: Object.entries(ambientLabels(namespace)).every(([key, value]) => ns.metadata?.labels?.[key] === value),
    ambientLabelsSetBy: ns.metadata?.annotations?.[CHANGED_BY_PASS_ANNOTATION],
    agentPods: livePods.filter((p) => p.metadata?.labels?.[TYPE_LABEL] === 'agent').length,
    toolPods: livePods.filter((p) => p.metadata?.labels?.[TYPE_LABEL] === 'tool').length,
    workloads,
    sidecarMode: ns.metadata?.labels?.[ISTIO_INJECTION_LABEL] === 'enabled',
    heldByMigration: ns.metadata?.annotations?.[MIGRATION_ANNOTATION],
    provisionedBefore: ns.metadata?.annotations?.[STATUS_ANNOTATION] !== undefined,
    statusAnnotation: ns.metadata?.annotations?.[STATUS_ANNOTATION],
    waypointGateway: waypointGatewayName(namespace),
  };
}

/**
 * Sets the three ambient labels with a merge patch that touches only those keys (spec §2).
 * `seenUnset`: the caller's own read just found them not all set, so they are patched at once.
 */
export async function ensureNamespaceLabels(k8s: KubeClients, namespace: string, seenUnset = false, passKey?: string): Promise<EnsureResult> {
  const desired = ambientLabels(namespace);
  const live = seenUnset ? {} : ((await k8s.core.readNamespace({ name: namespace })).metadata?.labels ?? {});
  const changed = Object.fromEntries(Object.entries(desired).filter(([key, value]) => live[key] !== value));
  if (Object.keys(changed).length === 0) return { outcome: 'unchanged' };
  const mark = passKey ? { annotations: { [CHANGED_BY_PASS_ANNOTATION]: passKey } } : {};
  await k8s.core.patchNamespace({ name: namespace, body: { metadata: { labels: changed, ...mark } } }, MERGE_PATCH);
  return { outcome: 'updated' };
}

/** Removes the ambient labels (opt-in clean-up of a namespace with no agent or tool left). */
export async function removeNamespaceLabels(k8s: KubeClients, namespace: string): Promise<EnsureResult> {
  const ns = await k8s.core.readNamespace({ name: namespace });
  const present = Object.keys(ambientLabels(namespace)).filter((key) => ns.metadata?.labels?.[key] !== undefined);
  if (present.length === 0) return { outcome: 'unchanged' };
  await k8s.core.patchNamespace({ name: namespace, body: { metadata: { labels: Object.fromEntries(present.map((k) => [k, null])) } } }, MERGE_PATCH);
  return { outcome: 'updated' };
}

/**
 * Writes the status annotation on the namespace, only when it differs. `seen`: what the caller knows
 * it holds (null: none), so the namespace is not read first; undefined: read it.
 */
export async function recordNamespaceStatus(k8s: KubeClients, namespace: string, status: string, seen?: string | null): Promise<EnsureResult> {
  try {
    const live = seen !== undefined ? seen : (await k8s.core.readNamespace({ name: namespace })).metadata?.annotations?.[STATUS_ANNOTATION];
    if (live === status) return { outcome: 'unchanged' };
    await k8s.core.patchNamespace({ name: namespace, body: { metadata: { annotations: { [STATUS_ANNOTATION]: status } } } }, MERGE_PATCH);
    return { outcome: 'updated' };
  } catch (error) {
    if (isNotFound(error)) return { outcome: 'unchanged' };
    throw error;
  }
}
