import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation';
import { ignoreConflict } from '../../model/errors';

/**
 * The client `representation.clientId` of the realm `admin` points at, created or brought in line
 * with `representation` (attributes merged into the ones it has). Returns it as found or created.
 */
export async function ensureClient(admin: KcAdminClient, representation: ClientRepresentation): Promise<ClientRepresentation> {
  const find = async () => (await admin.clients.find({ clientId: representation.clientId })).find((c) => c.clientId === representation.clientId);
  const existing = await find();
  if (existing) {
    await admin.clients.update({ id: existing.id! }, { ...existing, ...representation, attributes: { ...existing.attributes, ...representation.attributes } });
    return existing;
  }
  await admin.clients.create(representation).catch(ignoreConflict);
  const created = await find();
  if (!created) throw new Error(`client ${representation.clientId} vanished right after it was created`);
  return created;
}
