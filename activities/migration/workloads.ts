import type { V1Deployment, V1PodTemplateSpec, V1StatefulSet } from '@kubernetes/client-node';
import { Context } from '@temporalio/activity';
import type { RolloutResult, WorkloadName } from '../../model/migration';
import type { EnsureResult } from '../../model/provisioning';
import { isNotFound } from '../../model/errors';
import type { KubeClients } from '../kubernetes/clients';
import { patchWorkload, readWorkload } from '../kubernetes/workloads';
import { TemplateMetadata, waypointTemplateMetadata } from './desired';
import type { Snapshot } from './snapshot';

type Workload = V1Deployment | V1StatefulSet;

function metadataOf(template: V1PodTemplateSpec | undefined): TemplateMetadata {
  return { labels: template?.metadata?.labels ?? {}, annotations: template?.metadata?.annotations ?? {} };
}

const sameRecord = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([key, value]) => b[key] === value);

/**
 * Replaces the pod template's labels and annotations in one JSON Patch, guarded by the object's
 * resourceVersion so a concurrent writer makes this attempt fail (and retry on fresh data) instead
 * of being overwritten. An empty set is removed, as the API server omits empty maps.
 */
async function writeTemplateMetadata(k8s: KubeClients, namespace: string, workload: WorkloadName, live: Workload, desired: Partial<TemplateMetadata>): Promise<void> {
  const current = live.spec?.template.metadata ?? {};
  const ops: object[] = [{ op: 'test', path: '/metadata/resourceVersion', value: live.metadata!.resourceVersion }];
  if (!live.spec?.template.metadata) ops.push({ op: 'add', path: '/spec/template/metadata', value: {} });
  for (const field of ['labels', 'annotations'] as const) {
    const value = desired[field];
    if (value && Object.keys(value).length > 0) ops.push({ op: 'add', path: `/spec/template/metadata/${field}`, value });
    else if (current[field] !== undefined) ops.push({ op: 'remove', path: `/spec/template/metadata/${field}` });
  }
  await patchWorkload(k8s, namespace, workload, ops);
}

/**
 * Switches a workload to waypoint mode in one template change, which rolls it once: legacy opt-ins
 * off, auth-mode waypoint, its credentials Secret named, the restart stamp set. The stamp comes from
 * the workflow, so a retry writes the same template and restarts nothing twice.
 */
export async function switchWorkloadToWaypoint(
  k8s: KubeClients,
  namespace: string,
  input: { workload: WorkloadName; credentialsSecret: string; restartedAt: string },
): Promise<EnsureResult> {
  const live = await readWorkload(k8s, namespace, input.workload);
  const current = metadataOf(live.spec?.template);
  const desired = waypointTemplateMetadata(current, input.credentialsSecret, input.restartedAt);
  if (sameRecord(current.labels, desired.labels) && sameRecord(current.annotations, desired.annotations)) return { outcome: 'unchanged' };
  await writeTemplateMetadata(k8s, namespace, input.workload, live, desired);
  return { outcome: 'updated' };
}

/** Puts a workload's pod-template labels and annotations back as the snapshot has them; a deleted workload needs nothing. */
export async function restoreWorkloadTemplate(k8s: KubeClients, snapshot: Snapshot, workload: WorkloadName): Promise<EnsureResult | { outcome: 'gone' }> {
  const saved = snapshot.workloads.find((w) => w.kind === workload.kind && w.name === workload.name);
  if (!saved) return { outcome: 'unchanged' };
  let live: Workload;
  try {
    live = await readWorkload(k8s, snapshot.namespace, workload);
  } catch (error) {
    if (isNotFound(error)) return { outcome: 'gone' };
    throw error;
  }
  const current = metadataOf(live.spec?.template);
  const before = metadataOf(saved.template);
  if (sameRecord(current.labels, before.labels) && sameRecord(current.annotations, before.annotations)) return { outcome: 'unchanged' };
  await writeTemplateMetadata(k8s, snapshot.namespace, workload, live, before);
  return { outcome: 'updated' };
}

/** What keeps a workload from being rolled out, or undefined when it is. */
export function rolloutPending(kind: WorkloadName['kind'], object: Workload): string | undefined {
  const wanted = object.spec?.replicas ?? 1;
  const status = object.status;
  if ((status?.observedGeneration ?? 0) < (object.metadata?.generation ?? 0)) return 'the controller has not seen the latest template yet';
  if ((status?.updatedReplicas ?? 0) < wanted) return `${status?.updatedReplicas ?? 0} of ${wanted} replicas updated`;
  if (kind === 'StatefulSet') {
    const s = status as V1StatefulSet['status'];
    if (s?.currentRevision !== s?.updateRevision) return `revision ${s?.currentRevision} not yet ${s?.updateRevision}`;
    if ((s?.readyReplicas ?? 0) < wanted) return `${s?.readyReplicas ?? 0} of ${wanted} replicas ready`;
    return undefined;
  }
  const d = status as V1Deployment['status'];
  if ((d?.replicas ?? 0) > wanted) return `${(d?.replicas ?? 0) - wanted} old replica(s) still running`;
  if ((d?.availableReplicas ?? 0) < wanted) return `${d?.availableReplicas ?? 0} of ${wanted} replicas available`;
  return undefined;
}

/** Waits, heartbeating, until every workload is rolled out or `timeoutSeconds` pass; a timeout is a result, not a failure. */
export async function waitForRollout(k8s: KubeClients, namespace: string, workloads: WorkloadName[], timeoutSeconds: number): Promise<RolloutResult> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const context = Context.current();
  for (;;) {
    const pending: RolloutResult['pending'] = [];
    for (const workload of workloads) {
      const detail = rolloutPending(workload.kind, await readWorkload(k8s, namespace, workload));
      if (detail) pending.push({ workload: `${workload.kind} ${workload.name}`, detail });
    }
    if (pending.length === 0 || Date.now() >= deadline) return { done: pending.length === 0, pending };
    context.heartbeat(pending);
    await context.sleep(Math.min(1000, Math.max(0, deadline - Date.now())));
  }
}
