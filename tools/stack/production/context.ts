import { findPostgres } from '../toolchain';
import { initPostgres, readStoredPasswords, StoredPasswords } from './postgres';
import { ensurePostgresUser, postgresUser, SystemUser } from './postgres-user';
import { servingCertificateFiles, ServingCertificate, trustCa, writeServingCertificate } from './stack-ca';

/** What the production profile's components need beyond the common StackContext. */
export interface ProductionContext {
  postgresBin: string;
  postgresUser: SystemUser;
  passwords: StoredPasswords;
  /** Keycloak's serving certificate and the stack CA that signed it. */
  keycloakTls: ServingCertificate;
}

/** Fails at once, with what to do, where the production profile cannot run: not root, or no PostgreSQL. */
export function checkProductionPrerequisites(): void {
  findPostgres();
  ensurePostgresUser();
}

/**
 * Prepares a production stack in `dir`: PostgreSQL's user and data folder (kept when present), a
 * new CA and Keycloak certificate, and this process's trust in that CA.
 */
export async function productionContext(dir: string): Promise<ProductionContext> {
  const postgresBin = findPostgres();
  const postgresUser = ensurePostgresUser();
  const passwords = initPostgres(dir, postgresBin, postgresUser);
  const keycloakTls = await writeServingCertificate(dir, 'keycloak');
  trustCa(keycloakTls.caFile);
  return { postgresBin, postgresUser, passwords, keycloakTls };
}

/** What a running production stack's start made in `dir`, only read, for one component started again. */
export function runningProductionContext(dir: string): ProductionContext {
  const keycloakTls = servingCertificateFiles(dir, 'keycloak');
  trustCa(keycloakTls.caFile);
  return { postgresBin: findPostgres(), postgresUser: postgresUser(), passwords: readStoredPasswords(dir), keycloakTls };
}
