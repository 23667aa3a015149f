import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Settings } from '../config/settings';
import type { Activities } from '../model/activities';
import { KeycloakAdminSessions } from './keycloak/admin';
import { kubernetesActivities } from './kubernetes/activities';
import type { KubeClients } from './kubernetes/clients';
import { adminCredentialsCache } from './kubernetes/config';
import { migrationActivities } from './migration/activities';
import { keycloakActivities } from './registration/activities';

export interface ActivityDeps {
  k8s: KubeClients;
  settings: Settings;
  log: Logger;
  /** To wake namespace workflows (the Keycloak audit). */
  temporal: Client;
}

/**
 * The activities the worker registers, one factory per system. Each is idempotent and safe to
 * re-run after a crash at any point; results carry names and outcomes, never secret values.
 */
export function createActivities({ k8s, settings, log, temporal }: ActivityDeps): Activities {
  // One read of the admin Secret serves the passes and the registrations of a few seconds.
  const adminCredentials = adminCredentialsCache(k8s, settings.operatorNamespace);
  const keycloak = { k8s, settings, sessions: new KeycloakAdminSessions(settings.keycloakConcurrency), adminCredentials };
  return {
    ...kubernetesActivities({ k8s, settings, log, adminCredentials }),
    ...keycloakActivities({ ...keycloak, log, temporal }),
    ...migrationActivities({ ...keycloak, log }),
  };
}
