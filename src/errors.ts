// Typed errors: every failure the operator can see carries a stable code, a sysexits-style exit
// status (never 1/2/3/4/22/47/48, which the escript uses) and a one-line "what to do next".

export const Exit = {
  usage: 64,
  dataErr: 65,
  noInput: 66,
  unavailable: 69,
  software: 70,
  osErr: 71,
  /** ROLLBACK_FAILED (it was 70, ROLLOUT_HALTED's, before the exit codes carried the cause). */
  rollbackFailed: 72,
  cantCreate: 73,
  /** sysexits' EX_IOERR: a host whose state could not be read back after a lost connection. */
  ioErr: 74,
  tempFail: 75,
  protocol: 76,
  noPerm: 77,
  config: 78,
  /** Not a sysexits code: a bug of this tool, apart from every failure an operator can fix. */
  internal: 79,
} as const;

export type ExitCode = (typeof Exit)[keyof typeof Exit] | number;

/** Each code maps to exactly one exit status, so scripts can branch on either. */
export const codeExit = {
  USAGE: Exit.usage,
  BAD_TARGET: Exit.usage,
  BAD_PACKAGE: Exit.dataErr,
  CHECKSUM_MISMATCH: Exit.dataErr,
  NOT_FOUND: Exit.noInput,
  NODE_DOWN: Exit.unavailable,
  UNREACHABLE: Exit.unavailable,
  /** A bug (was 70, shared with ROLLOUT_HALTED: a script could not tell a crash from a halt). */
  INTERNAL: Exit.internal,
  REEXEC_LOOP: Exit.software,
  RUNNER_IS_WRAPPER: Exit.software,
  /** nodetool crashed or timed out: the node's state is unknown, unlike NODE_DOWN. */
  NODETOOL_FAILED: Exit.software,
  CANNOT_WRITE: Exit.cantCreate,
  LOCKED: Exit.tempFail,
  /** The package under a running upgrade was replaced between two of its steps: run it again. */
  PACKAGE_CHANGED: Exit.tempFail,
  PERMISSION: Exit.noPerm,
  CONFIG: Exit.config,
  /** EMQX_NODE__COOKIE is not the cookie the node's vm.args gives (EMQX's runner from v5.0.18 dies on it). */
  COOKIE_MISMATCH: Exit.config,
  /** <data_dir>/patches holds .beam files, which take precedence over the upgraded release's modules. */
  HOT_PATCHES: Exit.config,
  EDITION_MISMATCH: Exit.config,
  AMBIGUOUS_PACKAGE: Exit.config,
  /** No relup leads from the running release to the target (release_handler would fail after unpacking). */
  NO_UPGRADE_PATH: Exit.config,
  ROLLOUT_HALTED: Exit.software,
  /** A command on a rollout host failed, or answered something this tool cannot use (not our bug: INTERNAL is). */
  REMOTE: Exit.protocol,
  /** --on-failure rollback: the rollout stopped and every host it took back is back and gated on its old version. */
  ROLLED_BACK: Exit.osErr,
  /** --on-failure rollback: a host could not be taken back (down, downgrade or its gate failed). */
  ROLLBACK_FAILED: Exit.rollbackFailed,
  /**
   * The connection to a host dropped while a command that changes it ran, and the command's end
   * (its status on the host) and the host's RELEASES could not be read again: neither failed nor
   * unchanged, unknown.
   */
  HOST_UNKNOWN: Exit.ioErr,
  /** Stopped by the operator's signal: 128 + the signal number (130 for Ctrl-C). */
  INTERRUPTED: 130,
  /** The operator did not confirm the rollout at the terminal question. */
  NOT_CONFIRMED: Exit.usage,
} as const;

export type ErrorCode = keyof typeof codeExit;

export interface RelupErrorOptions {
  /** What the operator should do next; appended to the message on the same line. */
  hint?: string;
  cause?: unknown;
  /** Structured facts for --json output (paths, versions, candidates...). */
  details?: Record<string, unknown>;
  /** Only for INTERRUPTED: 128 + the signal number. */
  exitCode?: number;
}

export class RelupError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: RelupErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RelupError';
    this.code = code;
    this.exitCode = code === 'INTERRUPTED' && options.exitCode ? options.exitCode : codeExit[code];
    this.hint = options.hint;
    this.details = options.details;
  }

  /** The single line printed to the operator. */
  get line(): string {
    return this.hint ? `${this.message}; ${this.hint}` : this.message;
  }

  toJSON(): { code: ErrorCode; message: string; exitCode: number; hint?: string; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.line,
      exitCode: this.exitCode,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

/** Anything thrown, as the error the operator sees: ours as it is, anything else a bug (INTERNAL, 79). */
export function toRelupError(e: unknown): RelupError {
  return e instanceof RelupError ? e : new RelupError('INTERNAL', `internal error: ${(e as Error)?.stack ?? String(e)}`, { hint: 'report this with the command you ran' });
}

/**
 * Maps a Node fs error on `path` to the operator-facing class it belongs to, so that a
 * permission problem exits 77 and a missing file 66 wherever it happens.
 */
export function fromFsError(e: unknown, path: string, doing: string): RelupError {
  if (e instanceof RelupError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new RelupError('NOT_FOUND', `${path} does not exist (while ${doing})`, {
        hint: 'check that the path is right and the file is in place',
        cause: e,
      });
    case 'EACCES':
    case 'EPERM':
      return new RelupError('PERMISSION', `permission denied on ${path} (while ${doing})`, {
        hint: 'run as the user that owns the installation',
        cause: e,
      });
    case 'EROFS':
      return new RelupError('CANNOT_WRITE', `cannot write ${path}: read-only file system (EROFS, while ${doing})`, {
        hint: 'remount it read-write, then retry',
        cause: e,
      });
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EEXIST':
    case 'EISDIR':
      return new RelupError('CANNOT_WRITE', `cannot write ${path}: ${code} (while ${doing})`, {
        hint: 'free disk space or fix the file system, then retry',
        cause: e,
      });
    default:
      return new RelupError('INTERNAL', `unexpected ${code ?? 'error'} on ${path} while ${doing}: ${(e as Error)?.message ?? String(e)}`, {
        hint: 'report this with the command you ran',
        cause: e,
      });
  }
}
