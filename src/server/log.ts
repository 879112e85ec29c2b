/** Plain one-line logs. Callers pass no tokens and no full emails (see security.ts logHash). */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function createLogger(opts: { quiet?: boolean } = {}): Logger {
  const stamp = () => new Date().toISOString();
  return {
    info: (m) => {
      if (!opts.quiet) process.stdout.write(`${stamp()} ${m}\n`);
    },
    warn: (m) => {
      process.stderr.write(`${stamp()} WARN ${m}\n`);
    },
    error: (m) => {
      process.stderr.write(`${stamp()} ERROR ${m}\n`);
    },
  };
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
