import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { Browser, Page } from 'playwright-core';
import { credentialsSecretName } from '../../../model/names';
import { namespaceWorkflowId } from '../../../model/workflow-ids';
import { getStatusQuery } from '../../../workflows/messages';
import { ProvisionerPhase } from '../../../workflows/search-attributes';
import { launchChromium } from '../../harness/browser';
import { createAgentDeployment, createNamespace, readSecretOrUndefined } from '../../harness/cluster';
import { eventually } from '../../harness/eventually';
import { provisionedSuite } from '../../harness/provisioned-suite';
import { testStack, uniqueName } from '../../harness/stack';

/**
 * Every run saves the screenshot under build/; with KWP_UPDATE_DOCS_SCREENSHOTS=1 it replaces the
 * one docs/provisioning.md embeds (each run's differs in names and times, so a plain test run
 * leaves the committed docs alone).
 */
const SCREENSHOT = join(__dirname, '..', '..', '..', ...(process.env.KWP_UPDATE_DOCS_SCREENSHOTS === '1' ? ['docs', 'images'] : ['build', 'screenshots']), 'temporal-ui-provisioning.png');

// The stack's real istiod programs the waypoints.
const provisioner = provisionedSuite();
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
});

/** Ready, nothing pending, and no new history for a while. */
async function settledReady(handle: WorkflowHandle): Promise<void> {
  let length = -1;
  let changedAt = Date.now();
  await eventually(async () => {
    const status = await handle.query(getStatusQuery);
    const description = await handle.describe();
    if (description.historyLength !== length) {
      length = description.historyLength;
      changedAt = Date.now();
    }
    const ready = !status.pending && status.last?.phase === 'Ready' && description.typedSearchAttributes.get(ProvisionerPhase) === 'Ready';
    return ready && Date.now() - changedAt >= 1_500 ? true : undefined;
  }, 40_000, 'the workflow to settle in phase Ready');
}

/**
 * The visible text of the page's main region and of its frames (the UI renders summaries and
 * details as Markdown in iframes), whitespace collapsed, once it contains every one of `expected`.
 */
async function mainTextWith(page: Page, expected: string[], what: string): Promise<string> {
  let text = '';
  try {
    return await eventually(async () => {
      const frames = page.frames().filter((frame) => frame !== page.mainFrame());
      const texts = [await page.locator('main').innerText(), ...(await Promise.all(frames.map((frame) => frame.locator('body').innerText().catch(() => ''))))];
      text = texts.join('\n').replace(/\s+/g, ' ');
      return expected.every((e) => text.includes(e)) ? text : undefined;
    }, 20_000, what);
  } catch (error) {
    throw new Error(`${(error as Error).message}; missing ${JSON.stringify(expected.filter((e) => !text.includes(e)))}`, { cause: error });
  }
}

test('the Temporal Web UI finds the provisioning workflow by its search attribute and shows what it did', async () => {
  const namespace = uniqueName('team1');
  const workflowId = namespaceWorkflowId(namespace);
  await createNamespace(namespace);
  await createAgentDeployment(namespace, 'weather-agent');
  await eventually(() => readSecretOrUndefined(namespace, credentialsSecretName(namespace, 'weather-agent')), 30_000, 'the credentials Secret');
  await settledReady(provisioner().client.workflow.getHandle(workflowId));

  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US', timezoneId: 'UTC' });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  try {
    // The workflow list, filtered by a visibility query on the custom search attribute.
    const { temporal } = testStack();
    const query = `ProvisionerNamespace="${namespace}"`;
    const listUrl = `${temporal.uiUrl}/namespaces/${encodeURIComponent(temporal.namespace)}/workflows?query=${encodeURIComponent(query)}`;
    const rows = page.getByRole('table', { name: 'Workflows' }).locator('tbody').getByRole('row');
    const link = rows.getByRole('link', { name: workflowId, exact: true });
    await eventually(async () => {
      await page.goto(listUrl);
      await link.waitFor({ timeout: 5_000 });
      return true;
    }, 30_000, `the workflow list for ${query} to show ${workflowId}`);
    expect(await rows.count()).toBe(1);
    const row = await rows.first().innerText();
    expect(row).toContain('Running');
    expect(row).toContain('namespaceWorkflow');
    // The filter the UI applied is the search attribute.
    await page.getByText('ProvisionerNamespace', { exact: false }).first().waitFor();

    // The workflow's page: header, then the event history with one summary per activity: in the
    // timeline for the Keycloak activities, in the event list for the local Kubernetes steps.
    await link.click();
    await page.getByRole('heading', { name: workflowId }).waitFor();
    await mainTextWith(
      page,
      [
        'Running',
        'Workflow Type',
        'namespaceWorkflow',
        `registerWorkload • Register Deployment ${namespace}/weather-agent: Keycloak client, audience scope, credentials Secret`,
        // Every step of the pass says what it does, in the runbook's order.
        `Local Activity Activity Type inspectNamespace Summary Inspect namespace ${namespace}`,
        `Local Activity Activity Type resolveProvisioningConfig Summary Resolve provisioning config for ${namespace}`,
        `Local Activity Activity Type ensureNamespaceLabels Summary Label namespace ${namespace} for ambient mode, using waypoint ${namespace}-waypoint`,
        `Local Activity Activity Type ensureWaypointGateway Summary Create or repair waypoint Gateway ${namespace}-waypoint in ${namespace}`,
        // Looked at when the watcher reported istiod's verdict, not polled.
        `Local Activity Activity Type lookAtWaypoint Summary Look at waypoint ${namespace}-waypoint: istiod reported a new verdict`,
        // Events are recorded as each step ends, not all at the end of the pass.
        `Local Activity Activity Type recordEvents Summary Record 2 Event(s) in ${namespace}: AmbientLabelsSet, WaypointCreated`,
        `Local Activity Activity Type recordNamespaceStatus Summary Write the status annotation of ${namespace}: Ready`,
      ],
      'the workflow page with its activity summaries',
    );

    await page.getByRole('tab', { name: 'Search Attributes' }).click();
    await mainTextWith(
      page,
      [`"ProvisionerNamespace": "${namespace}"`, '"ProvisionerPhase": "Ready"', '"WaypointReady": true', '"AgentCount": 1'],
      'the search attributes',
    );

    // The workflow's summary (set by the watcher) and its current details (the last pass, from the worker).
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    await mainTextWith(
      page,
      [`Waypoint provisioning of namespace ${namespace}`, 'Current Details', `${namespace}: Ready`, 'waypoint ready: yes; agent workloads: 1'],
      'the summary and current details',
    );

    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByText(`Register Deployment ${namespace}/weather-agent`).first().waitFor();
    await page.mouse.move(700, 24); // off the sidebar, whose hover state would show in the picture
    mkdirSync(dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
  } catch (error) {
    const shot = join(tmpdir(), `temporal-ui-failure-${namespace}.png`);
    await page.screenshot({ path: shot, fullPage: true }).catch(() => undefined);
    (error as Error).message += `\n(the page as it was: ${shot}, at ${page.url()})`;
    throw error;
  }
});
