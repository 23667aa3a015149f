import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { KeycloakActivities } from '../../model/activities';
import { notifyNamespaceChanged } from '../../temporal/namespace-workflows';
import { maintenanceGate } from '../../temporal/task-queue-backlog';
import { auditKeycloak } from '../audit/audit-keycloak';
import { inInputNamespace } from '../kubernetes/gone';
import { logChange } from '../log-change';
import type { RegistrationDeps } from './admin-session';
import { deleteStaleKeycloakClients } from './clean-up';
import { ensureClientCredentialsSecret, ensureRegistration, ensureWorkloadClient } from './registration';

/** Namespaces woken at once by the audit; the rest wait for a free place. */
const WAKE_CONCURRENCY = 16;

const createdOrUpdated = (outcome: string) => (outcome === 'created' ? 'Created' : 'Updated');

/**
 * The activities that work on Keycloak and the cluster together: registration (client, scope,
 * credentials Secret, annotation), clean-up of removed workloads' clients, and the realm audit.
 * Writes into a namespace report its deletion as NamespaceGone or WorkloadGone.
 */
export function keycloakActivities(deps: RegistrationDeps & { log: Logger; temporal: Client }): KeycloakActivities {
  const { log, temporal, settings } = deps;
  const taskQueueRoom = maintenanceGate(temporal, settings.taskQueue);
  // Maintenance waiting for Keycloak beyond one round of places means Keycloak is the limit.
  const roomForMaintenance = async () => deps.sessions.slots.maintenanceWaiting <= deps.sessions.slots.concurrency && (await taskQueueRoom());
  return {
    registerWorkload: inInputNamespace(async (input) => {
      const result = await ensureRegistration(deps, input);
      const fields = { namespace: input.namespace, workload: input.workload.name, clientId: result.clientId };
      logChange(log, result.outcome, `${createdOrUpdated(result.outcome)} Keycloak client`, { ...fields, drift: result.drift });
      logChange(log, result.secret, `${createdOrUpdated(result.secret)} credentials Secret`, { ...fields, secretName: result.secretName });
      logChange(log, result.annotation, `Annotated ${input.workload.kind} with its credentials Secret`, { ...fields, secretName: result.secretName });
      return result;
    }),
    ensureKeycloakClient: inInputNamespace(async (input) => {
      const result = await ensureWorkloadClient(deps, input);
      logChange(log, result.outcome, `${createdOrUpdated(result.outcome)} Keycloak client`, { namespace: input.namespace, workload: input.workload.name, clientId: result.clientId, drift: result.drift });
      return result;
    }),
    ensureClientCredentialsSecret: inInputNamespace(async (input) => {
      const result = await ensureClientCredentialsSecret(deps, input);
      logChange(log, result.outcome, `${createdOrUpdated(result.outcome)} credentials Secret`, { namespace: input.namespace, workload: input.workload.name, secretName: result.secretName });
      return result;
    }),
    deleteStaleKeycloakClients: async (input) => {
      const result = await deleteStaleKeycloakClients(deps, input);
      if (result.deleted.length > 0) log.info({ namespace: input.namespace, clients: result.deleted }, 'Deleted Keycloak clients of removed workloads');
      return result;
    },
    auditKeycloak: async () => {
      const { audit, drift } = await auditKeycloak(deps);
      log.info({ realms: audit.realms, outOfLine: audit.outOfLineCount, skipped: audit.skipped }, 'Audited Keycloak');
      for (const [namespace, reasons] of drift) log.info({ namespace, reasons }, 'Keycloak differs from the cluster; the namespace will be woken');
      return audit;
    },
    wakeNamespaces: async (input) => {
      if (!(await roomForMaintenance())) return { woken: 0 };
      const queue = [...input.namespaces];
      const wake = async () => {
        for (let namespace = queue.shift(); namespace !== undefined; namespace = queue.shift()) {
          await notifyNamespaceChanged(temporal, namespace, settings.taskQueue, { reason: input.reason });
        }
      };
      await Promise.all(Array.from({ length: WAKE_CONCURRENCY }, wake));
      return { woken: input.namespaces.length };
    },
  };
}
