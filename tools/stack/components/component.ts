import type { ProcessSpec } from '../process';
import type { Artifacts } from '../setup';
import type { ComponentName, PortName } from '../state';

/** What every component start needs to know about the stack being started. */
export interface StackContext {
  dir: string;
  artifacts: Artifacts;
  ports: Record<PortName, number>;
  /** Bearer token of the `admin` user (group system:masters). */
  adminToken: string;
  keycloakAdminPassword: string;
}

/** How to run one server and how to tell it is ready. */
export interface ComponentSpec {
  name: ComponentName;
  process: Omit<ProcessSpec, 'name' | 'logFile'>;
  ready: () => Promise<boolean>;
  readyTimeoutMs: number;
}
