import type KcAdminClient from '@keycloak/keycloak-admin-client';
import { isNotFound } from '../../model/errors';
import { findClient } from './clients';

/**
 * The internal ids of the platform clients (`kagenti`, ...) per Keycloak realm, for one worker
 * process. Every registration adds its audience scope to them, and they are not recreated in
 * normal operation, so each is looked up once instead of once per registration. An id that turns
 * out stale (a 404, the client was recreated) is forgotten and looked up again.
 */
export class PlatformClients {
  private readonly ids = new Map<string, string>();

  /** Runs `work` with the internal id of platform client `clientId`; `missing` when the realm has no such client. */
  async withId<T>(admin: KcAdminClient, clientId: string, work: (id: string) => Promise<T>): Promise<T | 'missing'> {
    const key = `${admin.baseUrl}\x00${admin.realmName}\x00${clientId}`;
    const known = this.ids.get(key);
    if (known) {
      try {
        return await work(known);
      } catch (error) {
        if (!isNotFound(error)) throw error;
        this.ids.delete(key);
      }
    }
    const client = await findClient(admin, clientId);
    if (!client) return 'missing';
    this.ids.set(key, client.id!);
    return work(client.id!);
  }
}
