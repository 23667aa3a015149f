import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPORAL_CLI_CLIENT_ID, TEMPORAL_WORKER_CLIENT_ID } from '../../../model/names';
import { UI_CLIENT_ID } from '../../keycloak/temporal-access';
import { TEMPORAL_REALM } from '../keycloak-bootstrap';
import type { TemporalAccessState } from '../state';

const newSecret = () => randomBytes(24).toString('base64url');

/** A secret in a file only root reads, as a mounted Secret would hold it. */
function secretFile(dir: string, name: string): string {
  const file = join(dir, 'pki', `${name}.secret`);
  writeFileSync(file, newSecret(), { mode: 0o600 });
  return file;
}

/**
 * New secrets and passwords for the production stack's Temporal realm (set in Keycloak by its
 * bootstrap): the worker's client, the tooling's admin client, the Web UI's, and one person per
 * role people hold.
 */
export function newTemporalAccess(dir: string, keycloakUrl: string): TemporalAccessState {
  return {
    realm: TEMPORAL_REALM,
    realmUrl: `${keycloakUrl}/realms/${TEMPORAL_REALM}`,
    worker: { clientId: TEMPORAL_WORKER_CLIENT_ID, secretFile: secretFile(dir, 'temporal-worker') },
    admin: { clientId: 'kagenti-waypoint-stack-admin', secretFile: secretFile(dir, 'temporal-admin') },
    ui: { clientId: UI_CLIENT_ID, secretFile: secretFile(dir, 'temporal-ui') },
    cliClientId: TEMPORAL_CLI_CLIENT_ID,
    users: {
      approver: { username: 'approver', password: newSecret() },
      viewer: { username: 'viewer', password: newSecret() },
    },
  };
}
