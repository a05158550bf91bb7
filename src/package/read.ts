// What the wrapper takes from a package, in one pass over it (scan.ts): the bytes of the two
// versioned scripts (kept in memory, bounded, so what execute writes is what was checked), the
// target's relup, releases/emqx_vars and the file's sha256. Reading stops once every wanted member
// is in; with a hash wanted, the inflation stops there and the rest is only hashed. The result is
// data: a problem with a member is that member's fact, for decide.ts to raise in its order.
import { RelupError } from '../errors.js';
import type { RelupFact } from '../release/relup.js';
import { relupMember, versionedScriptFiles } from '../release/script-names.js';
import type { FileIdentity } from './open.js';
import { scanTarGz, type ScanOptions, type TarHeader } from './scan.js';

/** A script, a relup: larger members are refused (BAD_PACKAGE, 65) rather than held in memory. */
export const MAX_MEMBER_BYTES = 16 * 1024 * 1024;
/** releases/emqx_vars is a few KiB of shell assignments. */
export const MAX_VARS_BYTES = 1024 * 1024;
export const VARS_MEMBER = 'releases/emqx_vars';

/** What a decision needs from one package; a field left null or false is not read. */
export interface PackageNeeds {
  /** The version whose bin/emqx-<v> and bin/install_upgrade.escript-<v> are taken. */
  scripts: string | null;
  /** The version whose releases/<v>/relup is read. */
  relup: string | null;
  /** releases/emqx_vars. */
  vars: boolean;
  /** The sha256 of the whole file, for its sidecar. */
  hash: boolean;
}

export const NOTHING: PackageNeeds = { scripts: null, relup: null, vars: false, hash: false };

export const needsAnything = (n: PackageNeeds): boolean => n.scripts !== null || n.relup !== null || n.vars || n.hash;

export interface ScriptFile {
  /** Its file name in bin/. */
  dest: string;
  data: Buffer;
}

export type ScriptsFact = { kind: 'found'; files: ScriptFile[] } | { kind: 'error'; error: RelupError };
/** `file` names the member in the package, for messages. */
export type VarsFact = { kind: 'found'; file: string; text: string } | { kind: 'absent'; file: string } | { kind: 'error'; error: RelupError };

export interface PackageRead {
  path: string;
  /** What was asked of it. */
  needs: PackageNeeds;
  /** What was read (fstat before the first byte); null when it could not be opened. */
  identity: FileIdentity | null;
  sha256: string | null;
  /** Compressed bytes this process read from it: 0 when a hand-over carried the facts in. */
  bytesRead: number;
  scripts: ScriptsFact | null;
  relup: RelupFact | null;
  vars: VarsFact | null;
  /** Tar entries walked. */
  entriesSeen: number;
  /** Why the pass stopped short (unopenable, damaged, a hostile member); null when it did not. */
  failure: RelupError | null;
}

const FILE_TYPES = new Set(['file', 'contiguous-file']);

type Role = { kind: 'script'; dest: string } | { kind: 'relup' } | { kind: 'vars' };

interface Slot {
  role: Role;
  max: number;
  /** The member's name as first seen (to name a duplicate). */
  seen: string | null;
  data: Buffer | null;
}

function memberError(pkg: string, member: string, what: string): RelupError {
  return new RelupError('BAD_PACKAGE', `package ${pkg}: member ${member} ${what}`, {
    hint: 'the package is damaged or not a genuine release package: fetch it again',
    details: { package: pkg, member },
  });
}

/** Exact names only, with or without one leading `./`: never '/bin/..' or '../bin/..'. */
function slotsFor(needs: PackageNeeds, max: number): Map<string, Slot> {
  const slots = new Map<string, Slot>();
  if (needs.scripts !== null) for (const dest of versionedScriptFiles(needs.scripts)) slots.set(`bin/${dest}`, { role: { kind: 'script', dest }, max, seen: null, data: null });
  if (needs.relup !== null) slots.set(relupMember(needs.relup), { role: { kind: 'relup' }, max, seen: null, data: null });
  if (needs.vars) slots.set(VARS_MEMBER, { role: { kind: 'vars' }, max: MAX_VARS_BYTES, seen: null, data: null });
  return slots;
}

function slotOf(slots: Map<string, Slot>, header: TarHeader): Slot | undefined {
  // A trailing '/' (how directories are written) still names the member, so it is refused as one.
  const name = header.name.endsWith('/') ? header.name.slice(0, -1) : header.name;
  return slots.get(name.startsWith('./') ? name.slice(2) : name);
}

/** Takes a wanted member: refused when it is not a plain, non-empty file within its bound, or comes twice. */
function take(pkg: string, slot: Slot, header: TarHeader) {
  if (slot.seen !== null) {
    // Which copy release_handler or the escript would take is not ours to guess: neither counts.
    slot.data = null;
    throw memberError(pkg, header.name, `appears twice (also as ${slot.seen})`);
  }
  slot.seen = header.name;
  if (!FILE_TYPES.has(header.type ?? '')) throw memberError(pkg, header.name, `is a ${header.type ?? 'entry of unknown type'}, not a regular file`);
  const size = header.size ?? 0;
  if (size <= 0 && slot.role.kind === 'script') throw memberError(pkg, header.name, 'is empty');
  if (size > slot.max) throw memberError(pkg, header.name, `is ${size} bytes, over the ${slot.max}-byte limit`);
  return async (body: AsyncIterable<Buffer>): Promise<void> => {
    const parts: Buffer[] = [];
    let n = 0;
    for await (const chunk of body) {
      n += chunk.length;
      if (n > slot.max) throw memberError(pkg, header.name, `is larger than ${slot.max} bytes`);
      parts.push(chunk);
    }
    if (n !== size) throw memberError(pkg, header.name, `is truncated (${n} of ${size} bytes)`);
    slot.data = Buffer.concat(parts, n);
  };
}

function scriptsFact(pkg: string, version: string, slots: Map<string, Slot>, failure: RelupError | null): ScriptsFact {
  const files: ScriptFile[] = [];
  const missing: string[] = [];
  for (const [name, s] of slots) {
    if (s.role.kind !== 'script') continue;
    if (s.data) files.push({ dest: s.role.dest, data: s.data });
    else missing.push(name);
  }
  if (missing.length === 0) return { kind: 'found', files };
  if (failure) return { kind: 'error', error: failure };
  return {
    kind: 'error',
    error: new RelupError('BAD_PACKAGE', `package ${pkg} has no ${missing.join(' and ')}`, {
      hint: `use a package of ${version} that ships its versioned scripts`,
      details: { package: pkg, missing },
    }),
  };
}

type ParseRelup = (typeof import('../release/relup.js'))['parseRelup'];

function relupFact(pkg: string, version: string, slot: Slot, failure: RelupError | null, parseRelup: ParseRelup): RelupFact {
  const name = relupMember(version);
  const what = `${name} in ${pkg}`;
  if (slot.data === null) return failure ? { kind: 'error', error: failure } : { kind: 'absent', file: what };
  try {
    const relup = parseRelup(slot.data.toString('utf8'), what, 'BAD_PACKAGE', 'the package is damaged or was built wrong: rebuild or fetch it again');
    if (relup.version !== version) {
      throw new RelupError('BAD_PACKAGE', `${what} leads to ${relup.version}, not ${version}, so release_handler refuses it`, {
        hint: 'the package is damaged or not a genuine release package: fetch it again',
        details: { package: pkg, member: name },
      });
    }
    return { kind: 'found', relup, file: what };
  } catch (e) {
    if (e instanceof RelupError) return { kind: 'error', error: e };
    throw e;
  }
}

function varsFact(pkg: string, slot: Slot, failure: RelupError | null): VarsFact {
  const file = `${VARS_MEMBER} in ${pkg}`;
  if (slot.data !== null) return { kind: 'found', file, text: slot.data.toString('utf8') };
  return failure ? { kind: 'error', error: failure } : { kind: 'absent', file };
}

/**
 * Reads what `needs` asks of the package at `pkg`, in one pass. Never rejects with a RelupError:
 * an unopenable, damaged or hostile package comes back as the error of every fact it spoiled.
 * Rejects with `signal.reason` on abort.
 */
export interface ReadOptions extends Pick<ScanOptions, 'signal' | 'highWaterMark' | 'chunkSize'> {
  /** A lower bound for scripts and relups than MAX_MEMBER_BYTES (tests of the bound). */
  maxMemberBytes?: number;
}

export async function readPackage(pkg: string, needs: PackageNeeds, opts: ReadOptions = {}): Promise<PackageRead> {
  const slots = slotsFor(needs, opts.maxMemberBytes ?? MAX_MEMBER_BYTES);
  let failure: RelupError | null = null;
  let stats: Awaited<ReturnType<typeof scanTarGz>> | null = null;
  try {
    stats = await scanTarGz(
      pkg,
      {
        entry(header) {
          const slot = slotOf(slots, header);
          return slot ? take(pkg, slot, header) : null;
        },
        done: () => [...slots.values()].every((s) => s.data !== null),
      },
      { ...(opts.signal ? { signal: opts.signal } : {}), highWaterMark: opts.highWaterMark, chunkSize: opts.chunkSize, hash: needs.hash },
    );
  } catch (e) {
    if (!(e instanceof RelupError) || e.code === 'INTERRUPTED' || opts.signal?.reason === e) throw e;
    failure = e;
  }
  const slotOfRole = (kind: Role['kind']) => [...slots.values()].find((s) => s.role.kind === kind)!;
  return {
    path: pkg,
    needs,
    identity: stats?.identity ?? null,
    sha256: stats?.sha256 ?? null,
    bytesRead: stats?.bytesRead ?? 0,
    entriesSeen: stats?.entriesSeen ?? 0,
    scripts: needs.scripts === null ? null : scriptsFact(pkg, needs.scripts, slots, failure),
    // The term reader only when a relup is wanted: extraction alone stays as light as it can.
    relup: needs.relup === null ? null : relupFact(pkg, needs.relup, slotOfRole('relup'), failure, (await import('../release/relup.js')).parseRelup),
    vars: needs.vars ? varsFact(pkg, slotOfRole('vars'), failure) : null,
    failure,
  };
}
