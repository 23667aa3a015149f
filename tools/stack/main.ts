import { runCommandLine } from './command-line';
import { StackError } from './errors';
import { stackDir } from './paths';
import { ensureArtifacts } from './setup';
import { down, restart, startStoppedComponent, status, stopComponent, up } from './stack';
import { COMPONENTS, ComponentName, profileArgument, stackEnvironment } from './state';

const USAGE = `Usage: npm run stack -- <command>
  setup    build or fetch every server binary once (cached, reused)
  up       start the local stack on loopback (--fresh: drop earlier data;
           --profile production: PostgreSQL, the Temporal server and UI server, Keycloak over HTTPS)
  down     stop it, leaving no process behind
  status   show each component and whether it runs
  restart  <component>: stop one component and start it again on the same ports
  stop     <component>: stop one component, leaving the others running
  start    <component>: start a stopped component again on its ports
  env      print shell exports for the running stack
The stack folder is $KWP_STACK_DIR (default .stack/); the cache is $KWP_CACHE_DIR (default ~/.cache/kagenti-waypoint).`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const dir = stackDir();
  switch (command) {
    case 'setup':
      await ensureArtifacts();
      return 0;
    case 'up': {
      const profile = profileArgument(rest);
      const state = await up(dir, { fresh: rest.includes('--fresh'), profile });
      console.log(`Temporal UI:    ${state.temporal.uiUrl}`);
      console.log(`Temporal:       ${state.temporal.address}`);
      console.log(`Kubernetes:     ${state.kubernetes.server} (KUBECONFIG=${state.kubernetes.kubeconfig})`);
      console.log(`Keycloak:       ${state.keycloak.url} (realm ${state.keycloak.realm})`);
      console.log(`Injector:       https://127.0.0.1:${state.ports['sidecar-injector']}/mutate (legacy sidecar injector webhook)`);
      return 0;
    }
    case 'down':
      await down(dir);
      return 0;
    case 'restart':
    case 'stop':
    case 'start': {
      const name = rest[0] as ComponentName;
      if (!COMPONENTS.includes(name)) throw new StackError(`${command} needs one of: ${COMPONENTS.join(', ')}`);
      await { restart, stop: stopComponent, start: startStoppedComponent }[command](dir, name);
      return 0;
    }
    case 'status': {
      const { state, components } = status(dir);
      if (!state) {
        console.log(`No stack recorded in ${dir}`);
        return 1;
      }
      for (const c of components) console.log(`${c.name.padEnd(24)} ${c.running ? `running (pid ${c.pid})` : 'stopped'}`);
      return components.every((c) => c.running) ? 0 : 1;
    }
    case 'env': {
      const { state } = status(dir);
      if (!state) throw new StackError(`No stack recorded in ${dir}; run 'npm run stack -- up' first.`);
      for (const [key, value] of Object.entries(stackEnvironment(state))) console.log(`export ${key}=${JSON.stringify(value)}`);
      return 0;
    }
    default:
      console.error(USAGE);
      return command ? 2 : 0;
  }
}

runCommandLine(main);
