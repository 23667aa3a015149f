import { setUpRun } from './global-setup';

/** The production project: the production profile (PostgreSQL, the Temporal server, Keycloak over HTTPS). */
export default function globalSetup(): Promise<void> {
  return setUpRun('production');
}
