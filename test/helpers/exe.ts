// The single executables of `npm run build:exe` (dist/exe, listed by its manifest.json) and a way
// to run a command where no `node` can be reached at all: a private mount namespace (unshare -m)
// in which every node binary on PATH is covered by an empty, non-executable file.
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const exeDir = path.join(repoRoot, 'dist/exe');

export interface ExeManifest {
  version: string;
  node: string;
  /** The build machine's pinned Node, the one the executables carry (the bench's reference). */
  nodeBinary: string;
  files: Record<string, { file: string; sha256: string; size: number }>;
}

/** Missing means `npm run build:exe` was not run: the test fails, never skips. */
export function exeManifest(): ExeManifest {
  const p = path.join(exeDir, 'manifest.json');
  if (!fs.existsSync(p)) throw new Error(`${p} is missing: run \`npm run build:exe\` (.ci/run and scripts/setup.sh do)`);
  return JSON.parse(fs.readFileSync(p, 'utf8')) as ExeManifest;
}

export function hostArch(): 'x64' | 'arm64' {
  if (process.arch !== 'x64' && process.arch !== 'arm64') throw new Error(`no executable is built for ${process.arch}`);
  return process.arch;
}

export function exeFile(arch: string = hostArch()): string {
  const f = exeManifest().files[arch];
  if (!f) throw new Error(`dist/exe has no linux-${arch} executable: run \`npm run build:exe\``);
  return path.join(exeDir, f.file);
}

/** Every `node` a PATH lookup could find here, resolved (a /bin -> /usr/bin link counts once). */
export function nodeBinaries(): string[] {
  const out = execFileSync('sh', ['-c', 'which -a node || true'], { encoding: 'utf8' });
  const found = [...out.split('\n').filter(Boolean), process.execPath].map((p) => fs.realpathSync(p));
  return [...new Set(found)];
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// Covers each node, proves none is left runnable (by name or by path), then runs the command.
const HIDE = `
blank=$1; n=$2; shift 2
i=0
while [ "$i" -lt "$n" ]; do mount --bind "$blank" "$1" || exit 90; shift; i=$((i + 1)); done
if command -v node >/dev/null 2>&1; then echo "node still reachable: $(command -v node)" >&2; exit 91; fi
exec "$@"
`;

/** Runs `file args` in a mount namespace where no node binary can be run. Needs root (unshare -m). */
export function runWithoutNode(file: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; scratch: string }): Promise<Run> {
  const blank = path.join(opts.scratch, 'no-node');
  fs.writeFileSync(blank, '', { mode: 0o644 });
  const nodes = nodeBinaries();
  return new Promise((resolve, reject) => {
    const p = spawn('unshare', ['-m', '--propagation', 'private', '--', 'sh', '-c', HIDE, 'sh', blank, String(nodes.length), ...nodes, file, ...args], {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
