import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { createLogger } from '../config/logger';
import { FLAGS, InvalidSettingError, loadSetting, loadTemporalSettings, TEMPORAL_FLAGS } from '../config/settings';
import { connectClient, temporalAccess } from '../config/temporal-connection';
import { startDeviceSignIn } from '../config/person-sign-in';
import { tokenHolder } from '../config/temporal-credentials';
import type { MigrationInput } from '../model/migration';
import { TEMPORAL_CLI_CLIENT_ID } from '../model/names';
import { approve, builds, CommandError, list, migrate, refusal, rollback, status } from './commands';
import { deleteSession, saveSession, sessionFile, sessionToken } from './session';

const DEFAULT_DEPLOYMENT = FLAGS.find((f) => f.key === 'workerDeployment')!.default;

const USAGE = `Usage: npm run -s kwp -- <command> [namespace] [options]
       (in the image: node dist/cli/main.js <command> [namespace] [options])

Commands:
  migrate <namespace>   start the sidecar-to-waypoint migration of a namespace
      --strategy waves|all-at-once   (default waves)
      --batch-size N                 workloads per wave after the canary (default 5)
      --canary NAME                  the canary workload (default: the first by kind and name)
      --no-approval                  run every phase and wave without waiting for approval
      --approval-timeout 4h          how long each approval may take (s, m, h, d)
      --on-approval-timeout pause|rollback   (default pause)
      --rollout-timeout SECONDS      per wave (default 300)
      --waypoint-timeout SECONDS     for the waypoint Gateway to be Programmed (default 60)
      --legacy-secret-selector SEL   label selector of the legacy Secrets
  approve <namespace>   approve the gate that awaits approval  [--gate NAME] [--by NAME] [--comment TEXT]
  rollback <namespace>  roll the migration back to its snapshot  [--reason TEXT] [--by NAME]
  status <namespace>    phase, wave, workloads, gates and compensations  [--json]
  list                  every migration with its state and phase
  builds                the worker deployment's builds: which is current, what each still runs,
                        which may be stopped  [--worker-deployment NAME] (default ${DEFAULT_DEPLOYMENT})
  login                 sign in (device flow: open the page shown, sign in there) and keep the
                        tokens for the commands above  [--client-id kagenti-waypoint-cli]
                        needs --temporal-token-url (TEMPORAL_TOKEN_URL) of the Temporal realm
  logout                forget them

A token is taken from TEMPORAL_API_KEY, else from the sign-in kept by login (renewed when it
is about to expire), else from --temporal-token-url with a client's secret file.

Connection (the worker's flags and variables):
${TEMPORAL_FLAGS.map((f) => `  --${f.flag} (${f.env.join(', ')}, default ${f.default})`).join('\n')}`;

const OPTIONS = {
  strategy: { type: 'string' },
  'batch-size': { type: 'string' },
  canary: { type: 'string' },
  'no-approval': { type: 'boolean' },
  'approval-timeout': { type: 'string' },
  'on-approval-timeout': { type: 'string' },
  'rollout-timeout': { type: 'string' },
  'waypoint-timeout': { type: 'string' },
  'legacy-secret-selector': { type: 'string' },
  gate: { type: 'string' },
  by: { type: 'string' },
  comment: { type: 'string' },
  reason: { type: 'string' },
  json: { type: 'boolean' },
  'client-id': { type: 'string' },
  'worker-deployment': { type: 'string' },
  ...Object.fromEntries(TEMPORAL_FLAGS.map((f) => [f.flag, { type: 'string' as const }])),
  help: { type: 'boolean', short: 'h' },
} as const;

function positiveInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CommandError(`--${name} must be a whole number of at least 1, not '${value}'`);
  return n;
}

function migrationInput(namespace: string, values: Record<string, string | boolean | undefined>): MigrationInput {
  const strategy = (values.strategy as string | undefined) ?? 'waves';
  if (strategy !== 'waves' && strategy !== 'all-at-once') throw new CommandError(`--strategy must be waves or all-at-once, not '${strategy}'`);
  const onTimeout = values['on-approval-timeout'] as string | undefined;
  if (onTimeout !== undefined && onTimeout !== 'pause' && onTimeout !== 'rollback') throw new CommandError(`--on-approval-timeout must be pause or rollback, not '${onTimeout}'`);
  return {
    namespace,
    strategy:
      strategy === 'all-at-once'
        ? { kind: 'all-at-once' }
        : { kind: 'waves', batchSize: positiveInteger('batch-size', values['batch-size'] as string | undefined) ?? 5, canary: values.canary as string | undefined },
    requireApproval: !values['no-approval'],
    approvalTimeout: values['approval-timeout'] as string | undefined,
    onApprovalTimeout: onTimeout,
    rolloutTimeoutSeconds: positiveInteger('rollout-timeout', values['rollout-timeout'] as string | undefined),
    waypointReadyTimeoutSeconds: positiveInteger('waypoint-timeout', values['waypoint-timeout'] as string | undefined),
    legacySecretSelector: values['legacy-secret-selector'] as string | undefined,
  };
}

async function run(argv: string[]): Promise<string> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    // Node's message goes on about positional arguments; its first sentence says what is wrong.
    throw new CommandError(`${(error as Error).message.split('. ')[0]}; see --help`);
  }
  const { values, positionals } = parsed;
  const [command, namespace, ...extra] = positionals;
  if (values.help || !command) return USAGE;
  if (extra.length > 0) throw new CommandError(`unexpected argument(s): ${extra.join(' ')}`);
  if (!['migrate', 'approve', 'rollback', 'status', 'list', 'builds', 'login', 'logout'].includes(command)) throw new CommandError(`unknown command '${command}'\n\n${USAGE}`);
  if (!['list', 'builds', 'login', 'logout'].includes(command) && !namespace) throw new CommandError(`${command} needs a namespace`);
  // Bad input is refused before anything connects.
  const input = command === 'migrate' ? migrationInput(namespace, values) : undefined;
  const given = loadTemporalSettings(values as Record<string, string | undefined>);
  if (command === 'login') return login(given.temporalTokenUrl, values['client-id'] ?? TEMPORAL_CLI_CLIENT_ID);
  if (command === 'logout') return deleteSession() ? 'Signed out.' : 'Not signed in.';
  // A person's token: given as it is, or kept by login.
  const temporal = { ...given, temporalApiKey: given.temporalApiKey || ((await sessionToken()) ?? '') };
  if (!temporal.temporalApiKey && temporal.temporalTokenUrl && !temporal.temporalClientSecretFile) {
    throw new CommandError("not signed in: run 'login' first (or set TEMPORAL_API_KEY, or --temporal-client-secret-file for a client's secret)");
  }
  const access = await temporalAccess(temporal, createLogger('cli', 'warn', process.stderr));
  // Signed in, the CLI says who sends (the token's holder): in the approval's record and as the
  // caller's identity in the workflow's history. The server checks the token, not these names.
  const holder = access.token ? tokenHolder(access.token()) : undefined;
  const by = values.by ?? holder;
  const client = await connectClient(temporal, access, holder ? `${holder} (kwp cli, ${hostname()})` : undefined);
  try {
    switch (command) {
      case 'migrate':
        return await migrate(client, temporal.taskQueue, input!);
      case 'approve':
        return await approve(client, namespace, { gate: values.gate, by, comment: values.comment });
      case 'rollback':
        return await rollback(client, namespace, { reason: values.reason, by });
      case 'status':
        return await status(client, namespace, Boolean(values.json));
      case 'builds':
        return await builds(client, loadSetting('workerDeployment', values['worker-deployment']));
      default:
        return await list(client);
    }
  } finally {
    await client.connection.close();
  }
}

/** Signs a person in by the device flow and keeps their tokens for the next commands. */
async function login(tokenUrl: string, clientId: string): Promise<string> {
  if (!tokenUrl) throw new CommandError('login needs --temporal-token-url (TEMPORAL_TOKEN_URL): the token endpoint of the Temporal realm');
  const signIn = await startDeviceSignIn(tokenUrl, clientId);
  // Shown at once, while the command waits for the person.
  console.log(`Open ${signIn.verificationUri} and sign in (code ${signIn.userCode}).`);
  const tokens = await signIn.signedIn;
  saveSession(tokens);
  return `Signed in as ${tokenHolder(tokens.accessToken) ?? 'unknown'} (${sessionFile()}).`;
}

run(process.argv.slice(2)).then(
  (output) => console.log(output),
  (error: unknown) => {
    const known = error instanceof CommandError || error instanceof InvalidSettingError ? error : refusal(error);
    console.error(known ? `error: ${known.message}` : error);
    process.exitCode = 1;
  },
);
