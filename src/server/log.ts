/** Plain one-line logs. Callers pass no tokens and no full emails (see security.ts logHash). */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** false when info lines go nowhere (callers may skip building them). */
  readonly infoEnabled?: boolean;
}

export function createLogger(opts: { quiet?: boolean } = {}): Logger {
  const stamp = () => new Date().toISOString();
  return {
    infoEnabled: !opts.quiet,
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

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {}, infoEnabled: false };
