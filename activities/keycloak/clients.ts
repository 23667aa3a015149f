import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation.js';
import type { EnsureOutcome } from '../../model/provisioning';
import { isConflict } from '../../model/errors';
import { clientDrift, mergeClient } from './compare';
import { MANAGED_ATTRIBUTE, MANAGED_BY, NAMESPACE_ATTRIBUTE } from '../../model/labels';

export async function findClient(admin: KcAdminClient, clientId: string): Promise<ClientRepresentation | undefined> {
  const found = await admin.clients.find({ clientId, first: 0, max: 2 });
  return found.find((c) => c.clientId === clientId);
}

export const isManaged = (client: ClientRepresentation) => client.attributes?.[MANAGED_ATTRIBUTE] === MANAGED_BY;

/**
 * Creates the client when absent, or updates the fields the provisioner owns when they drifted
 * (keeping the server's other fields). A 409 on create means another writer won: re-read and compare.
 * With `createFirst` (a client most likely absent), it creates without looking first.
 */
export async function ensureClient(admin: KcAdminClient, desired: ClientRepresentation, createFirst = false): Promise<{ outcome: EnsureOutcome; id: string; drift: string[] }> {
  let live = createFirst ? undefined : await findClient(admin, desired.clientId!);
  if (!live) {
    try {
      const { id } = await admin.clients.create(desired);
      return { outcome: 'created', id, drift: [] };
    } catch (error) {
      if (!isConflict(error)) throw error;
      live = await findClient(admin, desired.clientId!);
      if (!live) throw error;
    }
  }
  const drift = clientDrift(live, desired);
  if (drift.length === 0) return { outcome: 'unchanged', id: live.id!, drift };
  await admin.clients.update({ id: live.id! }, mergeClient(live, desired));
  return { outcome: 'updated', id: live.id!, drift };
}

const PAGE = 200;

/**
 * Clients this provisioner created for workloads of `namespace` (marked by attributes). Keycloak
 * refuses attribute queries on custom attributes unless configured to allow them, so this searches
 * by clientId substring — both `<ns>/<workload>` and `spiffe://…/ns/<ns>/sa/…` contain `<ns>/` —
 * and keeps only exact matches of the markers.
 */
export async function listManagedClients(admin: KcAdminClient, namespace: string): Promise<ClientRepresentation[]> {
  const managed: ClientRepresentation[] = [];
  for (let first = 0; ; first += PAGE) {
    const page = await admin.clients.find({ clientId: `${namespace}/`, search: true, first, max: PAGE });
    managed.push(...page.filter((c) => isManaged(c) && c.attributes?.[NAMESPACE_ATTRIBUTE] === namespace));
    if (page.length < PAGE) return managed;
  }
}
