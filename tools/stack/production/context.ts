import { findPostgres } from '../toolchain';
import { initPostgres, StoredPasswords } from './postgres';
import { ensurePostgresUser, SystemUser } from './postgres-user';
import { servingCertificateFiles, ServingCertificate, trustCa, writeServingCertificate } from './stack-ca';

/** What the production profile's components need beyond the common StackContext. */
export interface ProductionContext {
  postgresBin: string;
  postgresUser: SystemUser;
  passwords: StoredPasswords;
  /** Keycloak's serving certificate and the stack CA that signed it. */
  keycloakTls: ServingCertificate;
}

/**
 * Prepares a production stack in `dir`: PostgreSQL's user and data folder (kept when present), a
 * new CA and Keycloak certificate, and this process's trust in that CA. With `reuse`, for one
 * component started again, it only reads what the stack's start made.
 */
export async function productionContext(dir: string, reuse = false): Promise<ProductionContext> {
  const postgresBin = findPostgres();
  const postgresUser = ensurePostgresUser();
  const passwords = initPostgres(dir, postgresBin, postgresUser);
  const keycloakTls = reuse ? servingCertificateFiles(dir, 'keycloak') : await writeServingCertificate(dir, 'keycloak');
  trustCa(keycloakTls.caFile);
  return { postgresBin, postgresUser, passwords, keycloakTls };
}
