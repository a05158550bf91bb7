// Permission checks run in a child dropped to user nobody (the tests run as root). That child
// must be able to read the code it runs, but a checkout may sit below a directory only root can
// enter (CI clones into a 0700 temp dir), so the module under test is bundled, with its
// dependencies, into a world-readable file first.
import { buildSync } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const distSrc = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
let dir: string | null = null;
const built = new Map<string, string>();

/** Path of a world-readable CommonJS bundle of dist/src/<rel> (e.g. 'package/locate.js'). */
export function readableModule(rel: string): string {
  const done = built.get(rel);
  if (done) return done;
  if (dir === null) {
    dir = mkdtempSync(join(tmpdir(), 'relup-nobody-'));
    chmodSync(dir, 0o755);
    const d = dir;
    process.once('exit', () => rmSync(d, { recursive: true, force: true }));
  }
  const out = join(dir, rel.replace(/[/\\]/g, '_').replace(/\.js$/, '.cjs'));
  buildSync({ entryPoints: [join(distSrc, rel)], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'error' });
  chmodSync(out, 0o644);
  built.set(rel, out);
  return out;
}

/**
 * The command that runs node as nobody when we are root (as ourselves otherwise). Give its spawn
 * `cwd: '/'`: a `node -e` script looks for a package.json from its cwd up, which nobody cannot
 * read below a 0700 checkout (Node 26 refuses with ERR_INVALID_PACKAGE_CONFIG).
 */
export function unprivilegedNode(): string[] {
  return process.getuid!() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : [process.execPath];
}

/** The wrapper as user nobody, from a world-readable bundle (the checkout may be unreadable to it). */
export function runWrapperAsNobody(args: string[]): { status: number; stdout: string; stderr: string } {
  const cmd = unprivilegedNode();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('EMQX_')) delete env[k];
  const r = spawnSync(cmd[0]!, [...cmd.slice(1), readableModule('cli/emqx-bundle.js'), ...args], { env, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
