// POSIX shell quoting for the one command string ssh hands to the remote login shell. Every
// value we send (paths, versions, host-provided names) goes through here; nothing is spliced raw.
import { RelupError } from '../errors.js';

const SAFE = /^[A-Za-z0-9_/.,:=@%+-]+$/;

/** Quotes one word so that `sh` (and bash, dash, zsh) reads it back byte for byte. */
export function shQuote(word: string): string {
  if (word.includes('\0')) {
    throw new RelupError('USAGE', 'a remote argument contains a NUL byte', { hint: 'remove it from the option or inventory' });
  }
  if (word.length > 0 && SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** One remote command line from an argv. */
export function shJoin(argv: readonly string[]): string {
  return argv.map(shQuote).join(' ');
}

/**
 * A POSIX `sh -c SCRIPT sh ARGS...` command line: the script sees its inputs only as "$1".."$n",
 * so no value is ever parsed as shell syntax, whatever the remote login shell is.
 */
export function shScript(script: string, args: readonly string[]): string {
  return shJoin(['sh', '-c', script, 'sh', ...args]);
}
