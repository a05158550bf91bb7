// The only place that turns errors into printed lines and exit codes. Kept free of heavy imports:
// every fast path loads it.
import { RelupError, toRelupError } from '../errors.js';

export interface Reporter {
  json: boolean;
  warnings: string[];
  warn(message: string): void;
}

export function makeReporter(prog: string, json: boolean): Reporter {
  const warnings: string[] = [];
  return {
    json,
    warnings,
    warn(message: string) {
      warnings.push(message);
      // With --json, warnings travel inside the JSON document, never as loose text.
      if (!json) process.stderr.write(`${prog}: warning: ${message}\n`);
    },
  };
}

/** Prints an error (one line, or one JSON object on stderr) and returns its exit status. */
export function reportError(prog: string, e: unknown, json: boolean): number {
  const err = toRelupError(e);
  if (json) process.stderr.write(JSON.stringify({ error: err.toJSON() }) + '\n');
  else process.stderr.write(`${prog}: error: ${err.line}\n`);
  return err.exitCode;
}

export function usageError(message: string, hint = 'see --help'): RelupError {
  return new RelupError('USAGE', message, { hint });
}

