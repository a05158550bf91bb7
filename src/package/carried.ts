// What a wrapper hands over to the newer wrapper about the packages it has read (EIP-0022 runs the
// newest scripts, so the package would otherwise be read again for the same facts): each one's
// identity, sha256, relup and emqx_vars. The newer wrapper takes them only for the very file it
// finds under that path (same device, inode, size and mtime, from the one fstat it makes anyway);
// scripts are never carried (they are in bin/ by then). The one home of this contract.
import { RelupError } from '../errors.js';
import type { Relup, RelupFact } from '../release/relup.js';
import { sameFile, type FileIdentity } from './open.js';
import type { PackageNeeds, PackageRead, VarsFact } from './read.js';

export const ENV_PACKAGES = 'EMQX_RELUP_PACKAGES';

const FORMAT = 1;

interface Carried {
  path: string;
  identity: FileIdentity;
  sha256: string | null;
  /** The relup fact as read (found or absent), with the version it was read for. */
  relup: { version: string; file: string; relup: Relup | null } | null;
  vars: { file: string; text: string | null } | null;
}

/** The environment value for the packages read; facts that were errors are not carried (the run refused). */
export function encodeCarried(reads: readonly PackageRead[]): string {
  const packages: Carried[] = [];
  for (const r of reads) {
    if (r.identity === null || r.failure !== null) continue;
    const v = r.needs.relup;
    const relup = v === null || !r.relup || r.relup.kind === 'error' ? null : { version: v, file: r.relup.file, relup: r.relup.kind === 'found' ? r.relup.relup : null };
    packages.push({
      path: r.path,
      identity: r.identity,
      sha256: r.sha256,
      relup,
      vars: r.vars?.kind === 'found' ? { file: r.vars.file, text: r.vars.text } : r.vars?.kind === 'absent' ? { file: r.vars.file, text: null } : null,
    });
  }
  return JSON.stringify({ format: FORMAT, packages });
}

const isIdentity = (v: unknown): v is FileIdentity =>
  typeof v === 'object' && v !== null && ['dev', 'ino', 'size', 'mtimeMs'].every((k) => typeof (v as Record<string, unknown>)[k] === 'number');

/** The carried packages by path; anything malformed counts as nothing carried (the package is read). */
export function decodeCarried(raw: string | undefined): Map<string, Carried> {
  const out = new Map<string, Carried>();
  if (!raw) return out;
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    return out;
  }
  const d = doc as { format?: unknown; packages?: unknown };
  if (d?.format !== FORMAT || !Array.isArray(d.packages)) return out;
  for (const p of d.packages as Carried[]) {
    if (typeof p?.path !== 'string' || !isIdentity(p.identity) || (p.sha256 !== null && typeof p.sha256 !== 'string')) continue;
    out.set(p.path, p);
  }
  return out;
}

/**
 * The facts `needs` asks for, from what was carried for `path`, when `identity` (the file there
 * now) is the file they were read from. Null when they do not cover the needs: read it then.
 * A different file under the same path is an error: the package changed under a running upgrade.
 */
export function fromCarried(c: Carried, identity: FileIdentity, needs: PackageNeeds): PackageRead | null {
  if (!sameFile(c.identity, identity)) {
    const failure = new RelupError('PACKAGE_CHANGED', `package ${c.path} was replaced while the upgrade ran (it is not the file the handing-over wrapper checked); nothing more was done`, {
      hint: 'make sure nothing else writes to releases/, then run the command again',
      details: { package: c.path, checked: c.identity, found: identity },
    });
    return { path: c.path, needs, identity, sha256: null, bytesRead: 0, entriesSeen: 0, scripts: null, relup: needs.relup ? { kind: 'error', error: failure } : null, vars: needs.vars ? { kind: 'error', error: failure } : null, failure };
  }
  if (needs.scripts !== null || (needs.hash && c.sha256 === null) || (needs.vars && c.vars === null)) return null;
  if (needs.relup !== null && c.relup?.version !== needs.relup) return null;
  const relup: RelupFact | null = needs.relup === null || !c.relup ? null : c.relup.relup ? { kind: 'found', relup: c.relup.relup, file: c.relup.file } : { kind: 'absent', file: c.relup.file };
  const vars: VarsFact | null = needs.vars && c.vars ? (c.vars.text === null ? { kind: 'absent', file: c.vars.file } : { kind: 'found', file: c.vars.file, text: c.vars.text }) : null;
  return { path: c.path, needs, identity, sha256: needs.hash ? c.sha256 : null, bytesRead: 0, entriesSeen: 0, scripts: null, relup, vars, failure: null };
}
