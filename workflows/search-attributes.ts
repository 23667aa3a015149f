import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes of this project: the Temporal UI and `temporal workflow list --query`
 * filter on them. They must be registered on the server before any workflow uses them; the local
 * stack registers exactly this list.
 */
export const ProvisionerNamespace = defineSearchAttributeKey('ProvisionerNamespace', SearchAttributeType.KEYWORD);
/** Waiting | Provisioning | Ready | Deleting */
export const ProvisionerPhase = defineSearchAttributeKey('ProvisionerPhase', SearchAttributeType.KEYWORD);
export const WaypointReady = defineSearchAttributeKey('WaypointReady', SearchAttributeType.BOOL);
export const AgentCount = defineSearchAttributeKey('AgentCount', SearchAttributeType.INT);
export const MigrationPhase = defineSearchAttributeKey('MigrationPhase', SearchAttributeType.KEYWORD);
export const MigrationState = defineSearchAttributeKey('MigrationState', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTES = [
  ProvisionerNamespace,
  ProvisionerPhase,
  WaypointReady,
  AgentCount,
  MigrationPhase,
  MigrationState,
] as const;
