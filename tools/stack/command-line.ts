import { StackError } from './errors';

/** Runs a tool's command line and exits with its code; a StackError is printed as one line, anything else with its stack. */
export function runCommandLine(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof StackError ? `error: ${error.message}` : error);
      process.exit(1);
    },
  );
}
