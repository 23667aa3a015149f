import { existsSync, readFileSync } from 'node:fs';
import { testStack } from './stack';

/** One request as the kube-apiserver's audit log records it (audit.k8s.io/v1 Event, the fields the tests read). */
export interface AuditEvent {
  verb: string;
  requestURI: string;
  user: { username: string };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string; apiGroup?: string };
  responseStatus?: { code?: number; details?: { causes?: { reason?: string }[] } };
  /** The request's body, at Request level (the stack logs it for ServiceAccounts' writes to Namespaces and workloads). */
  requestObject?: unknown;
}

/** The user name of a ServiceAccount, as the apiserver authenticates its tokens. */
export const serviceAccountUser = (namespace: string, name: string) => `system:serviceaccount:${namespace}:${name}`;

/** Every request of `users` in the test stack's audit log so far (it records ServiceAccounts' requests only). */
export function auditEventsOf(users: string[]): AuditEvent[] {
  const file = testStack().kubernetes.auditLog;
  if (!file || !existsSync(file)) throw new Error('the test stack has no audit log: restart it with this version of tools/stack');
  const wanted = new Set(users);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as AuditEvent)
    .filter((event) => wanted.has(event.user.username));
}

/** A request's selectors and dry-run flag, as its URI carries them. */
export function selectorsOf(event: AuditEvent): { labelSelector?: string; fieldSelector?: string; dryRun?: string } {
  const query = new URL(event.requestURI, 'https://apiserver').searchParams;
  return { labelSelector: query.get('labelSelector') ?? undefined, fieldSelector: query.get('fieldSelector') ?? undefined, dryRun: query.get('dryRun') ?? undefined };
}
