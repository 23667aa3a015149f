import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../tools/stack/ports';
import { findJava } from '../../../tools/stack/toolchain';
import { tsxCommand } from '../../../tools/tsx';

const REPO = join(__dirname, '..', '..', '..');

/** Runs the stack tool as a person would, with a cold cache and the given environment changes. */
function stackTool(args: string[], env: NodeJS.ProcessEnv): { status: number | null; stderr: string } {
  const cache = mkdtempSync(join(tmpdir(), 'kwp-cold-cache-'));
  try {
    const [command, commandArgs] = tsxCommand('tools/stack/main.ts', args);
    const result = spawnSync(command, commandArgs, {
      cwd: REPO,
      env: { ...process.env, KWP_CACHE_DIR: cache, ...env },
      encoding: 'utf8',
      timeout: 120_000,
    });
    return { status: result.status, stderr: result.stderr };
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

/** Lines of output that report an error (the tool prints exactly one such message). */
const errorLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('error:'));

describe('stack set-up errors are clear', () => {
  test('no Go on PATH: one message naming Go', () => {
    const pathWithoutGo = (process.env.PATH ?? '').split(':').filter((dir) => !existsSync(join(dir, 'go'))).join(':');
    const { status, stderr } = stackTool(['setup'], { PATH: pathWithoutGo });
    expect(status).toBe(1);
    expect(errorLines(stderr)).toEqual([expect.stringContaining("Go 1.26 or newer is required")]);
    expect(stderr).toContain("no 'go' command is on PATH");
  });

  test('no Java anywhere: one message naming Java', () => {
    expect(() => findJava({ PATH: '/nonexistent' }, [])).toThrow(/Java 17 or newer is required to run Keycloak, but none was found/);
  });

  test('KWP_JAVA_HOME without a Java: the setting is named', () => {
    const { status, stderr } = stackTool(['setup'], { KWP_JAVA_HOME: '/nonexistent/jdk' });
    expect(status).toBe(1);
    expect(errorLines(stderr)).toEqual([expect.stringContaining('KWP_JAVA_HOME=/nonexistent/jdk is not a Java 17+ installation')]);
  });

  test('an unreachable Go module proxy: one message naming the proxy and the refused connection', async () => {
    const closedPort = await freePort();
    const emptyModuleCache = mkdtempSync(join(tmpdir(), 'kwp-empty-gomodcache-'));
    try {
      const { status, stderr } = stackTool(['setup'], {
        GOPROXY: `http://127.0.0.1:${closedPort}`,
        GOMODCACHE: emptyModuleCache,
        GOFLAGS: '-modcacherw',
      });
      expect(status).toBe(1);
      expect(errorLines(stderr)).toEqual([
        expect.stringMatching(new RegExp(`the Go module proxy \\(GOPROXY=http://127.0.0.1:${closedPort}\\) is unreachable: .*connection refused`)),
      ]);
    } finally {
      rmSync(emptyModuleCache, { recursive: true, force: true });
    }
  });

  test('a fixed port that is taken: named with its component, and nothing is started', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    const stackDir = mkdtempSync(join(tmpdir(), 'kwp-port-test-'));
    try {
      // The real cache is used here: only the port check is under test.
      const [command, args] = tsxCommand('tools/stack/main.ts', ['up']);
      const result = spawnSync(command, args, {
        cwd: REPO,
        env: { ...process.env, KWP_STACK_DIR: stackDir, KWP_TEMPORAL_UI_PORT: String(port) },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(result.status).toBe(1);
      expect(errorLines(result.stderr)).toEqual([
        `error: Port ${port} for temporal-ui (KWP_TEMPORAL_UI_PORT) is already in use on 127.0.0.1. Free it or choose another port.`,
      ]);
      expect(existsSync(join(stackDir, 'stack.json'))).toBe(false);
    } finally {
      holder.close();
      rmSync(stackDir, { recursive: true, force: true });
    }
  });

  test('a component that fails to start is named with the tail of its log, and nothing is left running', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'kwp-broken-java-'));
    const stackDir = join(scratch, 'stack');
    // A "Java" that passes the version check but cannot run Keycloak.
    mkdirSync(join(scratch, 'jdk', 'bin'), { recursive: true });
    writeFileSync(
      join(scratch, 'jdk', 'bin', 'java'),
      '#!/bin/sh\ncase "$*" in *XshowSettings*) echo "    java.specification.version = 25" >&2; exit 0;; esac\necho "broken java: refusing to run Keycloak" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    try {
      const [command, args] = tsxCommand('tools/stack/main.ts', ['up']);
      const result = spawnSync(command, args, {
        cwd: REPO,
        env: { ...process.env, KWP_STACK_DIR: stackDir, KWP_JAVA_HOME: join(scratch, 'jdk') },
        encoding: 'utf8',
        timeout: 240_000,
      });
      expect(result.status).toBe(1);
      expect(errorLines(result.stderr)).toEqual([expect.stringMatching(/^error: keycloak failed to start: the process exited/)]);
      expect(result.stderr).toContain(`--- last lines of ${join(stackDir, 'logs', 'keycloak.log')} ---`);
      expect(result.stderr).toContain('broken java: refusing to run Keycloak');
      // Every process of the stack (all started with the stack folder in their arguments) is gone.
      const survivors = readdirSync('/proc')
        .filter((pid) => /^\d+$/.test(pid))
        .filter((pid) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(stackDir);
          } catch {
            return false;
          }
        });
      expect(survivors).toEqual([]);
      expect(existsSync(join(stackDir, 'stack.json'))).toBe(false);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
