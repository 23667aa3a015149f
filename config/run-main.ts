import { InvalidSettingError } from './settings';

/** Runs a process's main; invalid settings exit 2 with one clear line, anything else exits 1 with its stack. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    if (error instanceof InvalidSettingError) {
      console.error(`error: ${error.message}`);
      process.exit(2);
    }
    console.error(error);
    process.exit(1);
  });
}
