// The workflow bundle's entry: exports every workflow function the worker runs.
export { namespaceWorkflow } from './namespace-workflow';
export { migrationWorkflow } from './migration/migration-workflow';
export { keycloakAuditWorkflow } from './keycloak-audit-workflow';
export { buildUpgradeWorkflow } from './build-upgrade-workflow';
