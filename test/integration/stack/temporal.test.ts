import { Worker } from '@temporalio/worker';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { FIXTURE_BUNDLE } from '../../harness/bundle-fixtures';
import { eventually } from '../../harness/eventually';
import { temporalClient, testStack, uniqueName, workerConnection } from '../../harness/stack';

describe('local Temporal server (development profile)', () => {
  test('a workflow runs on a real worker and is found by a search-attribute query, also with the temporal CLI', async () => {
    const taskQueue = uniqueName('probe-queue');
    const namespaceTag = uniqueName('team');
    const connection = await workerConnection();
    const { client, connection: clientConnection } = await temporalClient();
    try {
      const worker = await Worker.create({
        connection,
        namespace: testStack().temporal.namespace,
        taskQueue,
        workflowBundle: { code: readFileSync(FIXTURE_BUNDLE, 'utf8') },
      });
      const workflowId = uniqueName('probe');
      const result = await worker.runUntil(
        client.workflow.execute('searchAttributeProbeWorkflow', { workflowId, taskQueue, args: [namespaceTag] }),
      );
      expect(result).toBe(`${workflowId} tagged ${namespaceTag}`);

      const query = `ProvisionerNamespace = '${namespaceTag}' AND ProvisionerPhase = 'Ready'`;
      const found = await eventually(
        async () => {
          const ids: string[] = [];
          for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
          return ids.length > 0 ? ids : undefined;
        },
        15_000,
        'the visibility store to index the workflow',
      );
      expect(found).toEqual([workflowId]);

      const { temporal } = testStack();
      const cli = spawnSync(
        temporal.cli,
        ['workflow', 'list', '--address', temporal.address, '--namespace', temporal.namespace, '--query', query, '--output', 'json'],
        { encoding: 'utf8' },
      );
      expect(cli.stderr).toBe('');
      expect(cli.status).toBe(0);
      const listed = (JSON.parse(cli.stdout) as { execution: { workflowId: string } }[]).map((e) => e.execution.workflowId);
      expect(listed).toEqual([workflowId]);
    } finally {
      await clientConnection.close();
      await connection.close();
    }
  });
});
