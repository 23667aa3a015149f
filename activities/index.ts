import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Settings } from '../config/settings';
import { notifyNamespaceChanged } from '../temporal/namespace-workflows';
import type { WakeReason } from '../workflows/messages';
import type { AgentWorkload, KeycloakSettings } from '../workflows/types';
import { auditKeycloak } from './audit/audit-keycloak';
import { ApplicationFailure } from '@temporalio/common';
import { classifyGone, ErrorType } from './errors';
import type { KubeClients } from './kubernetes/clients';
import { resolveProvisioningConfig } from './kubernetes/config';
import { EventInput, recordEvent as recordKubernetesEvent } from './kubernetes/events';
import { deleteWaypointGateway, ensureWaypointGateway, waitForGatewayProgrammed } from './kubernetes/gateways';
import { ensureNamespaceLabels, inspectNamespace, recordNamespaceStatus, removeNamespaceLabels } from './kubernetes/namespaces';
import { ensureCredentialsAnnotation } from './kubernetes/workloads';
import { KeycloakAdminSessions } from './keycloak/admin';
import { createMigrationActivities } from './migration';
import { deleteStaleKeycloakClients, ensureClientCredentialsSecret, ensureWorkloadClient, registerWorkload, WorkloadRef } from './keycloak/registration';

export interface ActivityDeps {
  k8s: KubeClients;
  settings: Settings;
  log: Logger;
  /** To wake namespace workflows (the Keycloak audit). */
  temporal: Client;
}

/** Namespaces woken at once by the audit; the rest wait for a free place. */
const WAKE_CONCURRENCY = 16;

/**
 * The activities the worker registers. Each is idempotent and safe to re-run after a crash at any
 * point; results carry names and outcomes, never secret values.
 */
export function createActivities({ k8s, settings, log, temporal }: ActivityDeps) {
  const keycloak = { k8s, settings, sessions: new KeycloakAdminSessions(settings.keycloakConcurrency) };
  const logChange = (outcome: string, message: string, fields: Record<string, unknown>) => {
    if (outcome !== 'unchanged') log.info(fields, message);
  };
  // Every activity that writes into a namespace reports its deletion as NamespaceGone.
  const inNamespace = <A extends unknown[], R>(fn: (namespace: string, ...rest: A) => Promise<R>) =>
    (namespace: string, ...rest: A): Promise<R> => fn(namespace, ...rest).catch((error: unknown) => classifyGone(error, namespace));
  // An Event for a namespace that is going away has nowhere to go.
  const recordEvent = (event: EventInput) =>
    recordKubernetesEvent(k8s, event).catch((error: unknown) => {
      try {
        classifyGone(error, event.namespace);
      } catch (classified) {
        if (!(classified instanceof ApplicationFailure && classified.type === ErrorType.NamespaceGone)) throw classified;
      }
    });
  const activities = {
    async resolveProvisioningConfig(namespace: string) {
      return resolveProvisioningConfig(k8s, settings, namespace);
    },
    async inspectNamespace(namespace: string) {
      return inspectNamespace(k8s, namespace);
    },
    async ensureNamespaceLabels(namespace: string) {
      const result = await ensureNamespaceLabels(k8s, namespace);
      logChange(result.outcome, 'Labelled Namespace for ambient mode', { namespace });
      return result;
    },
    async removeNamespaceLabels(namespace: string) {
      const result = await removeNamespaceLabels(k8s, namespace);
      logChange(result.outcome, 'Removed ambient labels from Namespace', { namespace });
      return result;
    },
    async ensureWaypointGateway(namespace: string) {
      const result = await ensureWaypointGateway(k8s, namespace);
      logChange(result.outcome, `${result.outcome === 'created' ? 'Created' : result.outcome === 'updated' ? 'Repaired' : 'Waiting for'} waypoint Gateway`, { namespace, ...result });
      return result;
    },
    async deleteWaypointGateway(namespace: string) {
      const result = await deleteWaypointGateway(k8s, namespace);
      logChange(result.outcome, 'Deleted waypoint Gateway', { namespace });
      return result;
    },
    async waitForGatewayProgrammed(namespace: string, timeoutSeconds: number) {
      return waitForGatewayProgrammed(k8s, namespace, timeoutSeconds);
    },
    async ensureKeycloakClient(input: { namespace: string; workload: WorkloadRef; keycloak: KeycloakSettings }) {
      const result = await ensureWorkloadClient(keycloak, input);
      logChange(result.outcome, `${result.outcome === 'created' ? 'Created' : 'Updated'} Keycloak client`, { namespace: input.namespace, workload: input.workload.name, clientId: result.clientId, drift: result.drift });
      return result;
    },
    async ensureClientCredentialsSecret(input: { namespace: string; workload: WorkloadRef; keycloak: KeycloakSettings; clientId: string }) {
      const result = await ensureClientCredentialsSecret(keycloak, input);
      logChange(result.outcome, `${result.outcome === 'created' ? 'Created' : 'Updated'} credentials Secret`, { namespace: input.namespace, workload: input.workload.name, secretName: result.secretName });
      return result;
    },
    async ensureCredentialsAnnotation(namespace: string, workload: Pick<AgentWorkload, 'kind' | 'name'>, secretName: string) {
      const result = await ensureCredentialsAnnotation(k8s, namespace, workload, secretName);
      logChange(result.outcome, `Annotated ${workload.kind} with its credentials Secret`, { namespace, workload: workload.name, secretName });
      return result;
    },
    async registerWorkload(input: Parameters<typeof registerWorkload>[1]) {
      const result = await registerWorkload(keycloak, input);
      const fields = { namespace: input.namespace, workload: input.workload.name, clientId: result.clientId };
      logChange(result.outcome, `${result.outcome === 'created' ? 'Created' : 'Updated'} Keycloak client`, { ...fields, drift: result.drift });
      logChange(result.secret, `${result.secret === 'created' ? 'Created' : 'Updated'} credentials Secret`, { ...fields, secretName: result.secretName });
      logChange(result.annotation, `Annotated ${input.workload.kind} with its credentials Secret`, { ...fields, secretName: result.secretName });
      return result;
    },
    async deleteStaleKeycloakClients(input: { namespace: string; keep: string[]; keycloak: KeycloakSettings }) {
      const result = await deleteStaleKeycloakClients(keycloak, input);
      if (result.deleted.length > 0) log.info({ namespace: input.namespace, clients: result.deleted }, 'Deleted Keycloak clients of removed workloads');
      return result;
    },
    async recordNamespaceStatus(namespace: string, status: string) {
      return recordNamespaceStatus(k8s, namespace, status);
    },
    async auditKeycloak() {
      const { audit, drift } = await auditKeycloak(keycloak);
      log.info({ realms: audit.realms, outOfLine: audit.outOfLineCount, skipped: audit.skipped }, 'Audited Keycloak');
      for (const [namespace, reasons] of drift) log.info({ namespace, reasons }, 'Keycloak differs from the cluster; the namespace will be woken');
      return audit;
    },
    /** Tells each namespace's workflow to look again (starting it when it ended), as maintenance. */
    async wakeNamespaces(input: { namespaces: string[]; reason: WakeReason }) {
      const queue = [...input.namespaces];
      const wake = async () => {
        for (let namespace = queue.shift(); namespace !== undefined; namespace = queue.shift()) {
          await notifyNamespaceChanged(temporal, namespace, settings.taskQueue, input.reason);
        }
      };
      await Promise.all(Array.from({ length: WAKE_CONCURRENCY }, wake));
    },
  };
  const migration = createMigrationActivities({ ...keycloak, log });
  return {
    ...activities,
    ...migration,
    holdNamespaceForMigration: inNamespace(migration.holdNamespaceForMigration),
    removeIstioInjection: inNamespace(migration.removeIstioInjection),
    switchWorkloadToWaypoint: inNamespace(migration.switchWorkloadToWaypoint),
    ensureNamespaceLabels: inNamespace(activities.ensureNamespaceLabels),
    ensureWaypointGateway: inNamespace(activities.ensureWaypointGateway),
    ensureCredentialsAnnotation: inNamespace(activities.ensureCredentialsAnnotation),
    ensureKeycloakClient: (input: Parameters<typeof activities.ensureKeycloakClient>[0]) =>
      activities.ensureKeycloakClient(input).catch((error: unknown) => classifyGone(error, input.namespace)),
    ensureClientCredentialsSecret: (input: Parameters<typeof activities.ensureClientCredentialsSecret>[0]) =>
      activities.ensureClientCredentialsSecret(input).catch((error: unknown) => classifyGone(error, input.namespace)),
    registerWorkload: (input: Parameters<typeof activities.registerWorkload>[0]) =>
      activities.registerWorkload(input).catch((error: unknown) => classifyGone(error, input.namespace)),
    recordEvent,
    /** All Events of a pass in one activity: one round trip through Temporal instead of one per Event. */
    async recordEvents(events: EventInput[]) {
      await Promise.all(events.map(recordEvent));
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
