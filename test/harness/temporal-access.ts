import { requestToken } from '../../config/temporal-credentials';
import { STACK_TLS_SERVER_NAME } from '../../tools/stack/production/stack-ca';
import { temporalRealmUrls } from '../../tools/stack/state';
import { testStack } from './stack';
import { tokenRequest } from './tokens';

/** The stack's people, one per role a person may hold on Temporal (production profile). */
export type Person = 'approver' | 'viewer';

function access() {
  const { access } = testStack().temporal;
  if (!access) throw new Error('the development stack has no Temporal access: this needs the production profile');
  return access;
}

/** The token endpoint of the realm of who may act on Temporal. */
export const temporalTokenUrl = () => temporalRealmUrls(access()).token;

/** A person's Temporal token, as the CLI's sign-in gets it (the stack's CLI client also takes passwords). */
export async function personToken(person: Person): Promise<string> {
  const { cliClientId, users } = access();
  const { status, body } = await tokenRequest({ grant_type: 'password', client_id: cliClientId, username: users[person].username, password: users[person].password, scope: 'openid' }, temporalTokenUrl());
  if (!body.access_token) throw new Error(`no token for ${person}: ${body.error ?? status}`);
  return body.access_token as string;
}

/** A token of the stack's tooling (role admin), for the temporal CLI in tests. */
export async function toolingToken(): Promise<string> {
  const { admin } = access();
  return (await requestToken({ tokenUrl: temporalTokenUrl(), clientId: admin.clientId, clientSecretFile: admin.secretFile })).token;
}

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
