import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation.js';

/** Names of the desired fields that differ from the live client; attributes compare only the keys the provisioner sets. */
export function clientDrift(live: ClientRepresentation, desired: ClientRepresentation): string[] {
  const drift: string[] = [];
  for (const [key, value] of Object.entries(desired)) {
    if (key === 'attributes') continue;
    if ((live as Record<string, unknown>)[key] !== value) drift.push(key);
  }
  for (const [key, value] of Object.entries(desired.attributes ?? {})) {
    if (live.attributes?.[key] !== value) drift.push(`attributes.${key}`);
  }
  return drift;
}

/** The live client with the desired fields laid over it, keeping everything else the server has. */
export function mergeClient(live: ClientRepresentation, desired: ClientRepresentation): ClientRepresentation {
  return { ...live, ...desired, attributes: { ...live.attributes, ...desired.attributes } };
}
