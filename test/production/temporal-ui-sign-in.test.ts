import type { Browser, Page } from 'playwright-core';
import { migrationWorkflowId } from '../../model/workflow-ids';
import { ensureIstioFootprint } from '../../tools/local/istio-footprint';
import { servingCertificateFiles } from '../../tools/stack/production/stack-ca';
import { launchChromium } from '../harness/browser';
import { eventually } from '../harness/eventually';
import { awaitingGate, createSidecarNamespace, progressOf, startMigration, temporalCli } from '../harness/migration';
import { provisionedSuite } from '../harness/provisioned-suite';
import { adminKubeConfig, testStack } from '../harness/stack';
import type { Person } from '../harness/temporal-access';

// People sign in to the production profile's Web UI through Keycloak (the realm of who may act on
// Temporal), in a real Chromium, and the UI acts with each one's own token: a viewer sees the
// migration and cannot approve it, an approver can. Istio's data plane is played by a stand-in
// ztunnel DaemonSet for the migration's preflight.
const provisioner = provisionedSuite();
let browser: Browser | undefined;

beforeAll(async () => {
  await ensureIstioFootprint(adminKubeConfig());
  // Chromium takes Keycloak's certificate of the stack's CA; nothing else is relaxed.
  browser = await launchChromium([servingCertificateFiles(testStack().dir, 'keycloak').certFile]);
});
afterAll(async () => {
  await browser?.close();
});

/** A new browser session signed in as `person` through the UI's "Continue to SSO" and Keycloak's login form. */
async function signIn(person: Person): Promise<Page> {
  const { temporal } = testStack();
  const page = await (await browser!.newContext({ locale: 'en-US', timezoneId: 'UTC' })).newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${temporal.uiUrl}/namespaces/${temporal.namespace}/workflows`);
  await page.getByRole('button', { name: 'Continue to SSO' }).click();
  await page.waitForURL(/\/realms\/temporal\/protocol\/openid-connect\/auth/);
  const user = temporal.access!.users[person];
  await page.getByLabel('Username or email').fill(user.username);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign In' }).click();
  await page.waitForURL(`${temporal.uiUrl}/namespaces/${temporal.namespace}/workflows`);
  return page;
}

/** The migration's row in the UI's workflow list (the list is read with the person's token). */
async function seesInList(page: Page, workflowId: string): Promise<void> {
  const link = page.getByRole('table', { name: 'Workflows' }).locator('tbody').getByRole('link', { name: workflowId, exact: true });
  await eventually(async () => {
    await page.reload();
    await link.waitFor({ timeout: 5_000 });
    return true;
  }, 30_000, `the UI's workflow list to show ${workflowId}`);
}

/**
 * Sends the `approve` signal through the UI server's API from the signed-in page, as the UI's own
 * requests go (its stored token as the bearer); returns the HTTP status.
 */
function approveThroughUi(page: Page, workflowId: string, gate: string): Promise<number> {
  const { namespace } = testStack().temporal;
  const payload = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from(JSON.stringify({ gate })).toString('base64') };
  return page.evaluate(
    async ({ url, body }) => {
      const user = JSON.parse(localStorage.getItem('AuthUser') ?? '{}') as { accessToken?: string };
      const response = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' }, body });
      return response.status;
    },
    { url: `/api/v1/namespaces/${namespace}/workflows/${encodeURIComponent(workflowId)}/signal/approve`, body: JSON.stringify({ input: { payloads: [payload] } }) },
  );
}

test('a viewer signs in, sees the migration and cannot approve it; an approver signs in and approves it', async () => {
  const namespace = await createSidecarNamespace(['alpha'], 'ui');
  const workflowId = migrationWorkflowId(namespace);
  const handle = await startMigration(provisioner().client, provisioner().settings.taskQueue, { namespace });
  await awaitingGate(handle, 'preflight');

  const viewer = await signIn('viewer');
  await seesInList(viewer, workflowId);
  expect(await approveThroughUi(viewer, workflowId, 'preflight')).toBe(403);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  expect((await progressOf(handle)).approvals).toEqual([]);

  const approver = await signIn('approver');
  await seesInList(approver, workflowId);
  expect(await approveThroughUi(approver, workflowId, 'preflight')).toBe(200);
  await awaitingGate(handle, 'snapshot');
  expect((await progressOf(handle)).approvals).toEqual([expect.objectContaining({ gate: 'preflight', via: 'signal' })]);
  await temporalCli(['workflow', 'terminate', '--workflow-id', workflowId, '--reason', 'test over']);
});
