import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import { namespaceWorkflowId } from '../../../model/workflow-ids';
import { desiredWaypointGateway } from '../../../model/waypoint-gateway';
import { createAgentDeployment, createNamespace, custom, eventReasons, kc, provisionerEvents, readGateway } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { uniqueName } from '../../harness/stack';

// A write the apiserver refuses is the platform's doing (RBAC, an admission policy or webhook): it
// is reported with the apiserver's words, never retried in a loop, and heals once the refusal is
// lifted. Here a real ValidatingAdmissionPolicy of the apiserver refuses the waypoint Gateway.
// The stack's real istiod programs the waypoints.
const provisioner = provisionedSuite();
const admission = kc.makeApiClient(AdmissionregistrationV1Api);

test('a waypoint Gateway refused by an admission policy is reported as KubernetesRefused within 10 s, and provisioned once the policy goes', async () => {
  const name = uniqueName('no-waypoints');
  const namespace = uniqueName('refused');
  await admission.createValidatingAdmissionPolicy({
    body: {
      metadata: { name },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: [{ apiGroups: ['gateway.networking.k8s.io'], apiVersions: ['*'], operations: ['CREATE'], resources: ['gateways'] }] },
        validations: [{ expression: 'false', message: 'waypoints are not allowed in this namespace (a test policy)' }],
      },
    },
  });
  await admission.createValidatingAdmissionPolicyBinding({
    body: { metadata: { name }, spec: { policyName: name, validationActions: ['Deny'], matchResources: { namespaceSelector: { matchLabels: { 'refusal-test': name } } } } },
  });
  try {
    await createNamespace(namespace, { 'refusal-test': name });
    // The apiserver enforces a new policy a moment after it is created: wait until a dry run is refused.
    await eventually(
      () =>
        custom
          .createNamespacedCustomObject({ group: 'gateway.networking.k8s.io', version: 'v1', namespace, plural: 'gateways', body: desiredWaypointGateway(namespace), dryRun: 'All' })
          .then(() => undefined, () => true),
      30_000,
      'the policy to be enforced',
    );
    await createAgentDeployment(namespace, 'agent');
    const warning = await eventually(
      async () => (await provisionerEvents(namespace)).find((e) => e.type === 'Warning' && e.reason === 'KubernetesRefused'),
      10_000,
      'a Warning KubernetesRefused',
    );
    expect(warning.message).toContain('waypoints are not allowed in this namespace (a test policy)');
    const description = await provisioner().client.workflow.getHandle(namespaceWorkflowId(namespace)).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.searchAttributes.ProvisionerPhase).toEqual(['Waiting']);
  } finally {
    await admission.deleteValidatingAdmissionPolicyBinding({ name });
    await admission.deleteValidatingAdmissionPolicy({ name });
  }
  // Nothing watches the policy: the next look, after the retry interval, finds the way open.
  await eventually(() => readGateway(namespace, `${namespace}-waypoint`), 30_000, 'the waypoint Gateway once the policy is gone');
  await eventually(async () => ((await eventReasons(namespace)).includes('KubernetesRefusedCleared') ? true : undefined), 30_000, 'a Normal KubernetesRefusedCleared');
});
