import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation.js';
import type { EnsureOutcome } from '../../model/provisioning';
import { isConflict, keycloakNameTaken } from '../../model/errors';
import { clientDrift, mergeClient } from './compare';
import { CHANGED_BY_PASS_ANNOTATION, MANAGED_ATTRIBUTE, MANAGED_BY, NAMESPACE_ATTRIBUTE, WORKLOAD_ATTRIBUTE } from '../../model/labels';

export async function findClient(admin: KcAdminClient, clientId: string): Promise<ClientRepresentation | undefined> {
  const found = await admin.clients.find({ clientId, first: 0, max: 2 });
  return found.find((c) => c.clientId === clientId);
}

export const isManaged = (client: ClientRepresentation) => client.attributes?.[MANAGED_ATTRIBUTE] === MANAGED_BY;

/** Marked as the provisioner's for exactly this namespace and workload: only such a client is ever deleted. */
export const isClientOf = (client: ClientRepresentation, namespace: string, workload: string) =>
  isManaged(client) && client.attributes?.[NAMESPACE_ATTRIBUTE] === namespace && client.attributes?.[WORKLOAD_ATTRIBUTE] === workload;

/**
 * A client of this client id that the provisioner must not write: one marked as made for another
 * namespace or workload (two workloads of a namespace sharing a ServiceAccount get one SPIFFE client
 * id), or by someone else. An unmarked one is adopted: its client id names this namespace and
 * workload (the reference and the legacy sidecar made such clients).
 */
function takenBy(live: ClientRepresentation, desired: ClientRepresentation): string | undefined {
  const marks = live.attributes ?? {};
  if (marks[MANAGED_ATTRIBUTE] === undefined) return undefined;
  const owner = `${marks[NAMESPACE_ATTRIBUTE]}/${marks[WORKLOAD_ATTRIBUTE]}`;
  if (marks[MANAGED_ATTRIBUTE] === MANAGED_BY && owner === `${desired.attributes?.[NAMESPACE_ATTRIBUTE]}/${desired.attributes?.[WORKLOAD_ATTRIBUTE]}`) return undefined;
  return marks[MANAGED_ATTRIBUTE] === MANAGED_BY ? `the provisioner's for ${owner}` : `marked as managed by ${marks[MANAGED_ATTRIBUTE]}`;
}

/**
 * Creates the client when absent, or updates the fields the provisioner owns when they drifted
 * (keeping the server's other fields). A 409 on create means another writer won: re-read and compare.
 * With `createFirst` (a client most likely absent), it creates without looking first. A client of
 * that id that is someone else's is reported and left alone. `markKey` is marked on a client it
 * creates; one found with that mark is reported created.
 */
export async function ensureClient(
  admin: KcAdminClient,
  desired: ClientRepresentation,
  createFirst = false,
  markKey?: string,
): Promise<{ outcome: EnsureOutcome; id: string; drift: string[] }> {
  let live = createFirst ? undefined : await findClient(admin, desired.clientId!);
  if (!live) {
    try {
      // The creating registration's key, set once (a repair merges only the attributes the provisioner sets).
      const { id } = await admin.clients.create(markKey ? { ...desired, attributes: { ...desired.attributes, [CHANGED_BY_PASS_ANNOTATION]: markKey } } : desired);
      return { outcome: 'created', id, drift: [] };
    } catch (error) {
      if (!isConflict(error)) throw error;
      live = await findClient(admin, desired.clientId!);
      if (!live) throw error;
    }
  }
  const taken = takenBy(live, desired);
  if (taken) throw keycloakNameTaken(`Keycloak client ${desired.clientId} exists and is ${taken}, not ${desired.name}'s: left alone`);
  const drift = clientDrift(live, desired);
  // Created under this very key by a try whose result was lost (a crash): still reported as created.
  if (drift.length === 0) return { outcome: markKey !== undefined && live.attributes?.[CHANGED_BY_PASS_ANNOTATION] === markKey ? 'created' : 'unchanged', id: live.id!, drift };
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
