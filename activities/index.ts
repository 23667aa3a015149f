import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Settings } from '../config/settings';
import type { Activities } from '../model/activities';
import { KeycloakAdminSessions } from './keycloak/admin';
import { kubernetesActivities } from './kubernetes/activities';
import type { KubeClients } from './kubernetes/clients';
import type { OperatorObjects } from './kubernetes/operator-objects';
import { migrationActivities } from './migration/activities';
import { keycloakActivities } from './registration/activities';
import { upgradeActivities } from './upgrade/activities';

export interface ActivityDeps {
  k8s: KubeClients;
  settings: Settings;
  log: Logger;
  /** To wake namespace workflows (the Keycloak audit, an upgrade) and list them. */
  temporal: Client;
  /** Where passes read the operator config and admin Secret: the worker's watched copy (watchedOperatorObjects), whose watches its owner ends. */
  operatorObjects: OperatorObjects;
}

/**
 * The activities the worker registers, one factory per system. Each is idempotent and safe to
 * re-run after a crash at any point; results carry names and outcomes, never secret values.
 */
export function createActivities({ k8s, settings, log, temporal, operatorObjects }: ActivityDeps): Activities {
  const keycloak = { k8s, settings, sessions: new KeycloakAdminSessions(settings.keycloakConcurrency), operatorObjects };
  return {
    ...kubernetesActivities({ k8s, settings, log, operatorObjects }),
    ...keycloakActivities({ ...keycloak, log, temporal }),
    ...migrationActivities({ ...keycloak, log }),
    ...upgradeActivities({ temporal, taskQueue: settings.taskQueue }),
  };
}
