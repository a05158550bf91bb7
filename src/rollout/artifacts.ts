// The local things a rollout ships: the package (name grammar, size, sha256) and the one-file
// emqx wrapper built next to this tool (dist/emqx.cjs).
import { readFile, stat } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RelupError, fromFsError } from '../errors.js';
import { parsePackageName, type PackageName } from '../version/index.js';
import { sha256File, verifySidecar } from '../package/checksum.js';

export interface LocalFile {
  path: string;
  size: number;
  sha256: string;
}

export async function hashFile(path: string, doing: string): Promise<LocalFile> {
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new RelupError('BAD_PACKAGE', `${path} is not a regular file`, { hint: 'give the path of a .tar.gz package' });
    return { path, size: st.size, sha256: await sha256File(path) };
  } catch (e) {
    throw fromFsError(e, path, doing);
  }
}

export interface LocalPackage extends LocalFile {
  name: PackageName;
}

export async function readLocalPackage(arg: string): Promise<LocalPackage> {
  const path = resolve(arg);
  const name = parsePackageName(basename(path));
  if (!name) {
    throw new RelupError('BAD_TARGET', `${JSON.stringify(basename(path))} is not a package name`, {
      hint: 'give a package named emqx[-enterprise]-<version>[-<platform>].tar.gz',
    });
  }
  let file: LocalFile;
  try {
    file = await hashFile(path, 'reading the package');
  } catch (e) {
    if (e instanceof RelupError && e.code === 'NOT_FOUND') {
      throw new RelupError('NOT_FOUND', `package ${path} does not exist`, { hint: 'give the path of the .tar.gz to roll out' });
    }
    throw e;
  }
  // A published <package>.sha256 next to it must agree before any host is read: the hosts get a
  // sidecar made from this hash, so a damaged download would otherwise verify itself everywhere.
  await verifySidecar(path, { sha256: file.sha256 });
  return { ...file, name };
}

async function toolPackage(): Promise<{ version: string; engines: { node: string } }> {
  return JSON.parse(await readFile(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8'));
}

/** The Node versions the shipped wrapper runs on (package.json engines.node). */
export async function nodeRange(): Promise<string> {
  return (await toolPackage()).engines.node;
}

export interface LocalExe {
  arch: 'x64' | 'arm64';
  path: string;
  /** As the manifest names it; verifyLocalExe holds the file to it before it is shipped. */
  sha256: string;
}

/**
 * The single executables next to this tool (dist/exe, npm run build:exe), as its manifest lists
 * them: none built is an empty set (a host that needs one is told how to build it).
 */
export async function readShippedExes(dir = fileURLToPath(new URL('../../exe/', import.meta.url))): Promise<Partial<Record<'x64' | 'arm64', LocalExe>>> {
  let manifest: { files: Record<string, { file: string; sha256: string }> };
  try {
    manifest = JSON.parse(await readFile(resolve(dir, 'manifest.json'), 'utf8'));
  } catch {
    return {};
  }
  const out: Partial<Record<'x64' | 'arm64', LocalExe>> = {};
  for (const arch of ['x64', 'arm64'] as const) {
    const entry = manifest.files[arch];
    if (entry) out[arch] = { arch, path: resolve(dir, entry.file), sha256: entry.sha256 };
  }
  return out;
}

const verified = new Map<string, Promise<void>>();

/** The local executable is the one its manifest names (hashed once per run, ~150 MB). */
export function verifyLocalExe(exe: LocalExe): Promise<void> {
  let p = verified.get(exe.path);
  if (!p) {
    p = hashFile(exe.path, 'reading the executable to ship').then((f) => {
      if (f.sha256 !== exe.sha256) {
        throw new RelupError('CHECKSUM_MISMATCH', `${exe.path} does not match the sha256 its manifest names`, { hint: "rebuild it with 'npm run build:exe'; nothing was copied" });
      }
    });
    verified.set(exe.path, p);
  }
  return p;
}

/** dist/emqx.cjs, from dist/src/rollout/ where this module is compiled to. */
export function shippedWrapperPath(): string {
  return fileURLToPath(new URL('../../emqx.cjs', import.meta.url));
}

export async function readShippedWrapper(path = shippedWrapperPath()): Promise<LocalFile> {
  try {
    return await hashFile(path, 'reading the emqx wrapper to ship');
  } catch (e) {
    if (e instanceof RelupError && e.code === 'NOT_FOUND') {
      throw new RelupError('NOT_FOUND', `the emqx wrapper to ship (${path}) is missing`, {
        hint: "run 'npm run build', or pass --remote-emqx CMD to use a wrapper installed on the hosts",
      });
    }
    throw e;
  }
}
