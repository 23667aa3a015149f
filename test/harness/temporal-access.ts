import { readFileSync } from 'node:fs';
import { requestToken } from '../../config/temporal-credentials';
import { STACK_TLS_SERVER_NAME } from '../../tools/stack/temporal-client';
import { testStack } from './stack';

/** The stack's people, one per role a person may hold on Temporal (production profile). */
export type Person = 'approver' | 'viewer';

function access() {
  const { access } = testStack().temporal;
  if (!access) throw new Error('the development stack has no Temporal access: this needs the production profile');
  return access;
}

/** A person's Temporal token, as the CLI's sign-in gets it (the stack's CLI client also takes passwords). */
export async function personToken(person: Person): Promise<string> {
  const { tokenUrl, cliClientId, users } = access();
  const response = await fetch(tokenUrl, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', client_id: cliClientId, username: users[person].username, password: users[person].password, scope: 'openid' }),
  });
  const body = (await response.json()) as { access_token?: string; error?: string };
  if (!body.access_token) throw new Error(`no token for ${person}: ${body.error ?? response.status}`);
  return body.access_token;
}

/** A token of the stack's tooling (role admin), for the temporal CLI in tests. */
export async function toolingToken(): Promise<string> {
  const { tokenUrl, admin } = access();
  return (await requestToken({ tokenUrl, clientId: admin.clientId, clientSecretFile: admin.secretFile })).token;
}

/** The client secret a file of the stack holds. */
export const secretOf = (file: string) => readFileSync(file, 'utf8').trim();

/**
 * The environment that points the temporal CLI and the project's CLI at the stack's Temporal: on
 * the production profile over TLS, sending `token` (the variables both CLIs read).
 */
export function temporalCliEnvironment(token?: string): Record<string, string> {
  const { temporal } = testStack();
  return {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    ...(temporal.tls ? { TEMPORAL_TLS_SERVER_CA_CERT_PATH: temporal.tls.caFile, TEMPORAL_TLS_SERVER_NAME: STACK_TLS_SERVER_NAME } : {}),
    ...(token ? { TEMPORAL_API_KEY: token } : {}),
  };
}

/** Whether the stack's Temporal asks for tokens (the production profile). */
export const temporalNeedsTokens = () => testStack().temporal.access !== undefined;
