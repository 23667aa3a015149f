import type { Logger } from 'pino';
import type { MigrationActivities } from '../../model/activities';
import { inNamespace } from '../kubernetes/gone';
import type { SnapshotWorkload, WorkloadName } from '../../model/migration';
import type { KeycloakSettings } from '../../model/provisioning';
import { findClient, isClientOf } from '../keycloak/clients';
import { ApplicationFailure } from '@temporalio/common';
import { ErrorType } from '../../model/errors';
import { credentialsSecretName, keycloakClientId } from '../../model/names';
import { RegistrationDeps, withAdmin } from '../registration/admin-session';
import { deleteWorkloadClient } from '../registration/clean-up';
import { deleteWaypointGateway } from '../kubernetes/gateways';
import { holdNamespace, releaseNamespace, removeIstioInjection, restoreNamespaceLabels } from './namespace';
import { runPreflight } from './preflight';
import { deleteAddedSecret, deleteLegacySecrets, restoreLegacySecrets } from './secrets';
import { deleteSnapshot, requireSnapshot, takeSnapshot } from './snapshot';
import { validateWorkload } from './validation';
import { restoreWorkloadTemplate, switchWorkloadToWaypoint, waitForRollout } from './workloads';

/**
 * The migration's own activities. Forward steps are idempotent; every compensation restores from
 * the snapshot, so it is exact however often it runs and whether or not its forward step ran.
 */
/** The workload's client id, or undefined when the workload cannot have one (InvalidWorkloadSpec). */
function clientIdIfValid(...args: Parameters<typeof keycloakClientId>): string | undefined {
  try {
    return keycloakClientId(...args);
  } catch (error) {
    if (error instanceof ApplicationFailure && error.type === ErrorType.InvalidWorkloadSpec) return undefined;
    throw error;
  }
}

export function migrationActivities(deps: RegistrationDeps & { log: Logger }): MigrationActivities {
  const { k8s, log } = deps;
  const logged = <T extends { outcome: string }>(result: T, message: string, fields: Record<string, unknown>): T => {
    if (result.outcome !== 'unchanged') log.info(fields, message);
    return result;
  };
  return {
    async migrationPreflight(namespace: string, migrationId: string) {
      return runPreflight(deps, namespace, migrationId);
    },
    holdNamespaceForMigration: inNamespace(async (namespace: string, migrationId: string) =>
      logged(await holdNamespace(k8s, namespace, migrationId), 'Namespace held by its migration', { namespace, migrationId }),
    ),
    async releaseNamespaceFromMigration(namespace: string, migrationId: string) {
      return logged(await releaseNamespace(k8s, namespace, migrationId), 'Namespace handed back to the provisioner', { namespace, migrationId });
    },
    async takeMigrationSnapshot(input: { namespace: string; keycloak: KeycloakSettings; legacySecretSelector?: string }) {
      const summary = await takeSnapshot(deps, input);
      log.info({ namespace: input.namespace, snapshot: summary.secretName, reused: summary.reused, workloads: summary.workloads.length }, 'Migration snapshot ready');
      return summary;
    },
    async deleteMigrationSnapshot(namespace: string) {
      await deleteSnapshot(deps, namespace);
    },
    removeIstioInjection: inNamespace(async (namespace: string) => logged(await removeIstioInjection(k8s, namespace), 'Removed istio-injection from Namespace', { namespace })),
    async restoreNamespaceLabels(namespace: string) {
      return logged(await restoreNamespaceLabels(k8s, await requireSnapshot(deps, namespace)), 'Restored Namespace labels from the snapshot', { namespace });
    },
    switchWorkloadToWaypoint: inNamespace(async (namespace: string, input: { workload: WorkloadName; restartedAt: string }) => {
      const credentialsSecret = credentialsSecretName(namespace, input.workload.name);
      const result = await switchWorkloadToWaypoint(k8s, namespace, { ...input, credentialsSecret });
      return logged(result, 'Switched workload to waypoint mode', { namespace, workload: input.workload.name });
    }),
    async restoreWorkloadTemplate(namespace: string, workload: WorkloadName) {
      const result = await restoreWorkloadTemplate(k8s, await requireSnapshot(deps, namespace), workload);
      return logged(result, 'Restored workload pod template from the snapshot', { namespace, workload: workload.name });
    },
    async waitForRollout(namespace: string, workloads: WorkloadName[], timeoutSeconds: number) {
      return waitForRollout(k8s, namespace, workloads, timeoutSeconds);
    },
    async validateMigratedWorkload(namespace: string, workload: WorkloadName, keycloak: KeycloakSettings) {
      return validateWorkload(k8s, namespace, workload, keycloak);
    },
    /** Undoes a workload's registration: its client and audience scope and its credentials Secret, unless the snapshot had them. */
    async removeMigratedRegistration(namespace: string, workload: SnapshotWorkload, keycloak: KeycloakSettings) {
      const snapshot = await requireSnapshot(deps, namespace);
      const clientId = clientIdIfValid(namespace, workload, keycloak, deps.settings.spireTrustDomain);
      let clientDeleted = false;
      // Without a valid client id the forward step registered nothing: there is no client to remove.
      if (clientId !== undefined && !snapshot.keycloakClientIds.includes(clientId)) {
        clientDeleted = await withAdmin(deps, keycloak, async (admin) => {
          const found = await findClient(admin, clientId);
          const client = found && isClientOf(found, namespace, workload.name) ? found : undefined;
          await deleteWorkloadClient(admin, { namespace, workload: workload.name, id: client?.id, platformClientIds: keycloak.platformClientIds });
          return client !== undefined;
        });
      }
      const secret = await deleteAddedSecret(k8s, snapshot, credentialsSecretName(namespace, workload.name));
      const result = { outcome: clientDeleted || secret.outcome === 'deleted' ? ('deleted' as const) : ('unchanged' as const), clientId: clientId ?? '' };
      return logged(result, 'Removed the Keycloak client and credentials Secret the migration added', { namespace, workload: workload.name, clientId });
    },
    async deleteLegacySecrets(namespace: string) {
      const result = await deleteLegacySecrets(k8s, await requireSnapshot(deps, namespace));
      if (result.deleted.length > 0) log.info({ namespace, secrets: result.deleted }, 'Deleted legacy Secrets');
      return result;
    },
    async restoreLegacySecrets(namespace: string) {
      const result = await restoreLegacySecrets(k8s, await requireSnapshot(deps, namespace));
      if (result.restored.length > 0) log.info({ namespace, secrets: result.restored }, 'Restored legacy Secrets from the snapshot');
      return result;
    },
    /** Removes the waypoint Gateway only if the migration created it. */
    async removeMigrationGateway(namespace: string) {
      const snapshot = await requireSnapshot(deps, namespace);
      if (snapshot.gatewayExisted) return { outcome: 'unchanged' as const };
      return logged(await deleteWaypointGateway(k8s, namespace), 'Deleted the waypoint Gateway the migration created', { namespace });
    },
  };
}
