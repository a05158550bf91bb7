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

/** This tool's version, which names the shipped wrapper on the hosts. */
export async function toolVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as { version: string };
  return pkg.version;
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
