import type KcAdminClient from '@keycloak/keycloak-admin-client';
import { isNotFound } from '../../model/errors';
import { WORKLOAD_ATTRIBUTE } from '../../model/labels';
import type { KeycloakSettings } from '../../model/provisioning';
import { deleteAudienceScope } from '../keycloak/client-scopes';
import { listManagedClients } from '../keycloak/clients';
import { RegistrationDeps, withAdmin } from './admin-session';

/** Deletes a workload's client (when it has an `id`) and, if this provisioner created it, its audience scope; gone already counts as done. */
export async function deleteWorkloadClient(
  admin: KcAdminClient,
  input: { namespace: string; workload: string; id?: string; platformClientIds: string[] },
): Promise<void> {
  await deleteAudienceScope(admin, input, input.platformClientIds);
  if (!input.id) return;
  try {
    await admin.clients.del({ id: input.id });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Deletes this provisioner's clients (and audience scopes) in `namespace` whose workload is not in `keep`. */
export async function deleteStaleKeycloakClients(
  deps: RegistrationDeps,
  input: { namespace: string; keep: string[]; keycloak: KeycloakSettings },
): Promise<{ deleted: string[] }> {
  return withAdmin(deps, input.keycloak, async (admin) => {
    const deleted: string[] = [];
    for (const client of await listManagedClients(admin, input.namespace)) {
      const workload = client.attributes?.[WORKLOAD_ATTRIBUTE] ?? '';
      if (input.keep.includes(workload)) continue;
      await deleteWorkloadClient(admin, { namespace: input.namespace, workload, id: client.id!, platformClientIds: input.keycloak.platformClientIds });
      deleted.push(client.clientId!);
    }
    return { deleted };
  });
}
