/**
 * Progress lines for long work (builds, downloads, start-up). On a terminal the current line is
 * rewritten in place; elsewhere (CI logs) a line is printed at most every `intervalMs`.
 */
export class Progress {
  private readonly started = Date.now();
  private lastPrinted = 0;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(
    private readonly label: string,
    private readonly intervalMs = 10_000,
  ) {}

  elapsedSeconds(): number {
    return (Date.now() - this.started) / 1000;
  }

  update(detail: string): void {
    const line = `  ${this.label}: ${detail} (${this.elapsedSeconds().toFixed(0)} s)`;
    if (this.tty) {
      process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
    } else if (Date.now() - this.lastPrinted >= this.intervalMs) {
      this.lastPrinted = Date.now();
      process.stderr.write(`${line}\n`);
    }
  }

  done(detail: string): void {
    const line = `  ${this.label}: ${detail} in ${this.elapsedSeconds().toFixed(1)} s`;
    process.stderr.write(this.tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }
}

export function say(message: string): void {
  process.stderr.write(`${message}\n`);
}
