import { StackError } from '../errors';
import type { StackState, TemporalAccessState } from '../state';
import { findPostgres } from '../toolchain';
import { initPostgres, readStoredPasswords, StoredPasswords } from './postgres';
import { ensurePostgresUser, postgresUser, SystemUser } from './postgres-user';
import { servingCertificateFiles, ServingCertificate, trustCa, writeServingCertificates } from './stack-ca';
import { newTemporalAccess } from './temporal-access';

/** What the production profile's components need beyond the common StackContext. */
export interface ProductionContext {
  postgresBin: string;
  postgresUser: SystemUser;
  passwords: StoredPasswords;
  /** Keycloak's serving certificate and the stack CA that signed it. */
  keycloakTls: ServingCertificate;
  /** The Temporal frontend's, signed by the same CA. */
  temporalTls: ServingCertificate;
  /** Who may act on Temporal: the Keycloak realm its authorizer trusts, the clients' secrets, the stack's people. */
  temporalAccess: TemporalAccessState;
}

/** Fails at once, with what to do, where the production profile cannot run: not root, or no PostgreSQL. */
export function checkProductionPrerequisites(): void {
  findPostgres();
  ensurePostgresUser();
}

/**
 * Prepares a production stack in `dir`: PostgreSQL's user and data folder (kept when present), a
 * new CA with Keycloak's and Temporal's certificates, and this process's trust in that CA.
 */
export async function productionContext(dir: string, keycloakUrl: string): Promise<ProductionContext> {
  const postgresBin = findPostgres();
  const postgresUser = ensurePostgresUser();
  const passwords = initPostgres(dir, postgresBin, postgresUser);
  const { keycloak: keycloakTls, temporal: temporalTls } = await writeServingCertificates(dir, ['keycloak', 'temporal'] as const);
  trustCa(keycloakTls.caFile);
  return { postgresBin, postgresUser, passwords, keycloakTls, temporalTls, temporalAccess: newTemporalAccess(dir, keycloakUrl) };
}

/** What a running production stack's start made in `dir`, only read, for one component started again. */
export function runningProductionContext(state: StackState): ProductionContext {
  const { dir } = state;
  const keycloakTls = servingCertificateFiles(dir, 'keycloak');
  trustCa(keycloakTls.caFile);
  const temporalAccess = state.temporal.access;
  if (!temporalAccess) throw new StackError(`${dir} records no Temporal access: start the stack anew`);
  return { postgresBin: findPostgres(), postgresUser: postgresUser(), passwords: readStoredPasswords(dir), keycloakTls, temporalTls: servingCertificateFiles(dir, 'temporal'), temporalAccess };
}
