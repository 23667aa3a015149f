/**
 * The keys of `kagenti-operator-config` and `authbridge-config` (spec §4): one definition that the
 * parser reads its defaults from and the configuration reference is generated from.
 */
export const CONFIG_KEYS = {
  KEYCLOAK_URL: { default: '', meaning: 'Keycloak base URL; required (with KEYCLOAK_REALM) for the ConfigMap to be used' },
  KEYCLOAK_REALM: { default: '', meaning: 'Realm of the agent clients; required (with KEYCLOAK_URL)' },
  SPIRE_ENABLED: { default: 'false', meaning: '`true`: client ids are SPIFFE ids of the workload ServiceAccount (needs `--spire-trust-domain`)' },
  CLIENT_AUTH_TYPE: { default: 'client-secret', meaning: 'clientAuthenticatorType of the clients; `federated-jwt` also sets the JWT issuer and subject' },
  SPIFFE_IDP_ALIAS: { default: 'spire-spiffe', meaning: 'jwt.credential.issuer of `federated-jwt` clients' },
  KEYCLOAK_TOKEN_EXCHANGE_ENABLED: { default: 'true', meaning: 'standard token exchange on the clients; on unless exactly `false`' },
  PLATFORM_CLIENT_IDS: {
    default: 'kagenti',
    meaning: 'comma-separated platform clients that get each agent audience scope as a default scope; set in `kagenti-operator-config` only (in a namespace\'s `authbridge-config` it is ignored, with a Warning `OperatorOnlySettingIgnored`: it would reach other tenants\' clients)',
  },
  KEYCLOAK_AUDIENCE_SCOPE_ENABLED: { default: 'true', meaning: 'one audience scope per agent client; on unless exactly `false`' },
  KEYCLOAK_AUDIENCE_SCOPE_REALM_DEFAULT: {
    default: 'false',
    meaning: 'the audience scopes go to the platform clients only, and one found among the realm default scopes is taken out of them; `true`: also realm default scopes, as the reference places them (spec §5), which Keycloak copies onto every client created later, so the tokens of every later client carry the audience of every earlier agent; set in `kagenti-operator-config` only, like `PLATFORM_CLIENT_IDS`',
  },
} as const;

export type ConfigKey = keyof typeof CONFIG_KEYS;

/** How an unusable keycloak-admin-secret is described, wherever it is reported. */
export const ADMIN_SECRET_INCOMPLETE = 'is missing or has neither KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET nor (legacy) KEYCLOAK_ADMIN_USERNAME and KEYCLOAK_ADMIN_PASSWORD';

/**
 * A key of `kagenti-operator-config` only: the realms a namespace's own `authbridge-config` may
 * name, as `<KEYCLOAK_URL>/realms/<realm>` separated by spaces, commas or new lines. The operator
 * config's own realm is approved too; any other is refused (spec §4).
 */
export const APPROVED_REALMS_KEY = 'APPROVED_KEYCLOAK_REALMS';

/** A key's value, or its default when absent or empty. */
export function configValue(data: Record<string, string>, key: ConfigKey): string {
  return data[key] || CONFIG_KEYS[key].default;
}

/** The ConfigMap keys as a Markdown table, for the configuration reference. */
export function configKeyTable(): string {
  const rows = Object.entries(CONFIG_KEYS).map(([key, { default: fallback, meaning }]) => `| \`${key}\` | ${fallback ? `\`${fallback}\`` : '—'} | ${meaning} |`);
  return ['| key | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
