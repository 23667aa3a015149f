import type KcAdminClient from '@keycloak/keycloak-admin-client';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Settings } from '../../config/settings';
import { httpStatus, KeycloakFailure } from '../../model/errors';
import { ADMIN_SECRET } from '../../model/names';
import { ADMIN_SECRET_INCOMPLETE } from '../../model/config-keys';
import type { KeycloakSettings } from '../../model/provisioning';
import type { KeycloakAdminSessions } from '../keycloak/admin';
import { keycloakFailure, KeycloakStage } from '../keycloak/failure';
import type { KubeClients } from '../kubernetes/clients';
import { adminCredentials } from '../kubernetes/config';
import type { OperatorObjects } from '../kubernetes/operator-objects';
import { recordEvent } from '../kubernetes/events';

/** What the Keycloak-facing activities need: the cluster, the settings, the token cache, and where the admin Secret is read. */
export interface RegistrationDeps {
  k8s: KubeClients;
  settings: Settings;
  sessions: KeycloakAdminSessions;
  operatorObjects: OperatorObjects;
}

/**
 * The legacy admin credentials work, but can do anything to every realm: one Warning Event on the
 * operator namespace says so (its fixed key makes it one Event whichever worker records it).
 */
async function warnOfLegacyCredentials(deps: RegistrationDeps, log: { warn(message: string, attributes?: Record<string, unknown>): void }): Promise<void> {
  const namespace = deps.settings.operatorNamespace;
  const message =
    `Secret ${namespace}/${ADMIN_SECRET} holds a master-realm admin's username and password (the legacy form), which can do anything to every realm. ` +
    'Give the provisioner a service-account client of its realm instead (KEYCLOAK_CLIENT_ID, KEYCLOAK_CLIENT_SECRET; docs/security.md)';
  log.warn(message);
  await recordEvent(deps.k8s, { namespace, involved: { kind: 'Namespace', name: namespace }, type: 'Warning', reason: 'KeycloakLegacyAdminCredentials', message, key: 'keycloak-legacy-admin-credentials' });
}

/**
 * Runs `work` with an admin client, the credentials taken from the operator namespace's Secret as
 * it is now (the worker's watched copy: a rotated Secret, or one moved from the legacy form to a
 * service-account client, is picked up). A refused token drops the cache; the activity's retry
 * logs in anew.
 */
export async function withAdmin<T>(deps: RegistrationDeps, keycloak: KeycloakSettings, work: (admin: KcAdminClient) => Promise<T>): Promise<T> {
  const adminSecret = `${deps.settings.operatorNamespace}/${ADMIN_SECRET}`;
  const credentials = await adminCredentials(deps.operatorObjects);
  if (!credentials) throw ApplicationFailure.retryable(`Secret ${adminSecret} ${ADMIN_SECRET_INCOMPLETE}`, KeycloakFailure.KeycloakAdminSecretMissing);
  const context = Context.current();
  if (credentials.kind === 'legacy-admin') await deps.sessions.warnOfLegacyCredentials(() => warnOfLegacyCredentials(deps, context.log));
  const meter = context.metricMeter;
  // Why it failed, by name and in words (a refused login, an unknown realm, no answer), for the pass to report.
  const named = (error: unknown, stage: KeycloakStage) => keycloakFailure(error, stage, { url: keycloak.url, realm: keycloak.realm, adminSecret }) ?? error;
  const failFastIfDown = () => {
    const down = deps.sessions.unreachableNow(keycloak.url);
    if (down) throw ApplicationFailure.retryable(`${down} (moments ago; not tried again yet)`, KeycloakFailure.KeycloakUnreachable);
  };
  failFastIfDown();
  // Alive while it waits for a slot and while it works: a dead worker is noticed by the heartbeat timeout.
  const heartbeat = setInterval(() => context.heartbeat(), 1000);
  try {
    return await deps.sessions.exclusive(async () => {
      failFastIfDown();
      const started = performance.now();
      try {
        const admin = await deps.sessions.session(keycloak.url, keycloak.realm, credentials).catch((error: unknown) => {
          throw named(error, 'login');
        });
        const result = await work(admin).catch((error: unknown) => {
          throw named(error, 'call');
        });
        deps.sessions.reachable(keycloak.url, true);
        return result;
      } catch (error) {
        const type = error instanceof ApplicationFailure ? error.type : undefined;
        if (type === KeycloakFailure.KeycloakUnreachable) deps.sessions.reachable(keycloak.url, false, (error as Error).message);
        // A refused token or login, or a role the token lacks (granted since, perhaps): the next try logs in anew.
        if (httpStatus(error) === 401 || type === KeycloakFailure.KeycloakCredentialsRefused || type === KeycloakFailure.KeycloakForbidden) deps.sessions.invalidate();
        meter.createCounter('kagenti_keycloak_errors', '1', 'Failed units of Keycloak work').add(1, { status: type ?? String(httpStatus(error) ?? 'network') });
        throw error;
      } finally {
        meter.createHistogram('kagenti_keycloak_call_duration', 'float', 's', 'Duration of one unit of Keycloak work (login, reads and writes)').record((performance.now() - started) / 1000);
      }
    }, context.info.priority?.priorityKey);
  } finally {
    clearInterval(heartbeat);
  }
}
