// The generator's decisions as plain data: which files a synthetic EMQX release holds, how big,
// which are compressible, and in which order they go into each package layout. No I/O here, so
// the shape of the benchmark packages can be unit-tested.
import { makeRng, type Rng } from './prng.js';
import { versionedScripts } from '../../src/release/script-names.js';

export type Kind = 'text' | 'random';
/**
 * Where the two versioned scripts (and the relup) go: `first` is the layout `pack` writes (scripts,
 * then releases/<v>/relup and releases/emqx_vars); `middle`/`last` put the scripts at the byte midpoint or the end;
 * `emqx` follows EMQX's own build (`tar -zcf -- *` in the release directory: top-level names in
 * glob order, each directory in readdir order, so bin/ and the scripts come first and releases/,
 * with the relup and emqx_vars, last); `none` has no scripts (pack's input).
 */
export type Layout = 'first' | 'middle' | 'last' | 'emqx' | 'none';

export interface TreeParams {
  seed: number;
  /** Release version carried by the package (the versioned scripts' suffix). */
  version: string;
  ertsVersion: string;
  /** Regular files in the tree, the two versioned scripts included. */
  fileCount: number;
  /** Sum of all file sizes (the unpacked size). */
  rawBytes: number;
  /** Share of rawBytes that is incompressible (already-compressed assets, binaries). */
  incompressibleFraction: number;
  /** Files whose path is longer than 100 characters (GNU long names / pax headers). */
  longPaths: number;
}

export interface TreeFile {
  path: string;
  size: number;
  kind: Kind;
  mode: number;
}

export interface Tree {
  params: TreeParams;
  /** Every file except the two versioned scripts, sorted by path. */
  files: TreeFile[];
  /** `bin/emqx-<v>` and `bin/install_upgrade.escript-<v>` (their bytes are the recording stand-ins). */
  scripts: [TreeFile, TreeFile];
}

export function scriptNames(version: string): [string, string] {
  const s = versionedScripts(version);
  return [s.runner, s.escript];
}

const BINARY_EXT = /\.(so|png|jpg|woff2?|gz|ez|ico)$|\/beam\.smp$|\/(erlexec|epmd|heart|inet_gethost|erl_child_setup|run_erl|to_erl|dyn_erl)$/;

export function kindOf(path: string): Kind {
  return BINARY_EXT.test(path) ? 'random' : 'text';
}

// Real EMQX 5.0 applications (names only; versions are invented). The emqx_* ones are the
// release's own and carry the release version.
const OTP_APPS = ['kernel-8.3', 'stdlib-3.17', 'sasl-4.1.2', 'compiler-8.1', 'crypto-5.0.6', 'ssl-10.7',
  'public_key-1.12', 'asn1-5.0.18', 'inets-7.5.2', 'mnesia-4.20.3', 'runtime_tools-1.18', 'os_mon-2.7.1',
  'syntax_tools-2.6', 'xmerl-1.3.29', 'tools-3.5.2', 'eldap-1.2.10', 'odbc-2.13.5'];
const DEP_APPS = ['ekka', 'mria', 'gen_rpc', 'cowboy', 'cowlib', 'ranch', 'esockd', 'jiffy', 'hocon',
  'typerefl', 'minirest', 'ehttpc', 'gproc', 'grpc', 'gpb', 'jsx', 'lc', 'replayq', 'snabbkaffe', 'quicer',
  'rocksdb', 'bcrypt', 'pbkdf2', 'recon', 'observer_cli', 'eredis', 'eredis_cluster', 'epgsql', 'mysql',
  'mongodb', 'emqtt', 'prometheus', 'optvar', 'brod', 'kafka_protocol', 'snappyer', 'esasl', 'telemetry',
  'getopt', 'system_monitor', 'ecpool', 'poolboy', 'gun', 'jose', 'base64url', 'erlcloud', 'eetcd',
  'emqx_http_lib', 'sasl_auth', 'crc32cer'];
const EMQX_APPS = ['emqx', 'emqx_conf', 'emqx_dashboard', 'emqx_management', 'emqx_authn', 'emqx_authz',
  'emqx_bridge', 'emqx_connector', 'emqx_gateway', 'emqx_rule_engine', 'emqx_modules', 'emqx_retainer',
  'emqx_prometheus', 'emqx_psk', 'emqx_slow_subs', 'emqx_statsd', 'emqx_plugins', 'emqx_exhook',
  'emqx_resource', 'emqx_machine', 'emqx_auto_subscribe', 'emqx_plugin_libs', 'emqx_limiter'];
const NIF_APPS: Record<string, string> = { 'crypto': 'lib/crypto.so', jiffy: 'jiffy.so', quicer: 'libquicer_nif.so',
  rocksdb: 'liberocksdb.so', bcrypt: 'bcrypt_nif.so', snappyer: 'snappyer.so', sasl_auth: 'sasl_auth.so',
  crc32cer: 'crc32cer_nif.so' };

/** Application directories `name-version`, in .rel order. */
export function appDirs(params: TreeParams): string[] {
  const rng = makeRng(params.seed ^ 0x5eed);
  const deps = DEP_APPS.map((a) => `${a}-${rng.int(0, 4)}.${rng.int(0, 20)}.${rng.int(0, 9)}`);
  return [...OTP_APPS, ...deps, ...EMQX_APPS.map((a) => `${a}-${params.version}`)];
}

/** Log-normal-ish size: most files small, a long tail of big ones. */
function roughSize(rng: Rng, median: number): number {
  const gauss = (rng.next() + rng.next() + rng.next() + rng.next() - 2) * 1.7;
  return Math.max(64, Math.round(median * Math.exp(gauss)));
}

function words(rng: Rng, n: number): string {
  const parts = ['editor', 'language', 'typescript', 'worker', 'contrib', 'browser', 'common', 'services',
    'monaco', 'standalone', 'vendor', 'chunk', 'runtime', 'dashboard', 'subscriptions', 'authentication',
    'configuration', 'websocket', 'diagnostics', 'highlighter', 'tokenization'];
  return Array.from({ length: n }, () => rng.pick(parts)).join('-');
}

function hex(rng: Rng, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[rng.int(0, 15)];
  return s;
}

/** Long asset paths under the dashboard's priv/www, each over 100 characters, a few over 255. */
function longAssetPaths(rng: Rng, base: string, count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const ext = rng.pick(['.js', '.js', '.css', '.js.map', '.woff2', '.png', '.js.gz']);
    const dir = `${base}/${words(rng, rng.int(1, 3))}`;
    let name = `${words(rng, 2)}-${hex(rng, 8)}${ext}`;
    const want = i % 20 === 0 ? rng.int(256, 300) : rng.int(101, 200);
    while (dir.length + 1 + name.length < want) name = `${words(rng, 1)}.${name}`;
    out.push(`${dir}/${name}`);
  }
  return out;
}

function scale(files: Array<{ size: number }>, total: number): void {
  const sum = files.reduce((s, f) => s + f.size, 0);
  if (sum === 0) return;
  const k = total / sum;
  for (const f of files) f.size = Math.max(1, Math.round(f.size * k));
}

/** Plans the release tree. Deterministic in `params`. */
export function planTree(params: TreeParams): Tree {
  const rng = makeRng(params.seed);
  const v = params.version;
  const apps = appDirs(params);
  const paths: Array<{ path: string; median: number; mode?: number }> = [];
  const add = (path: string, median: number, mode?: number): void => {
    paths.push(mode === undefined ? { path, median } : { path, median, mode });
  };

  for (const b of ['emqx', 'emqx_ctl', 'nodetool', 'install_upgrade.escript', 'node_dump', 'emqx_cluster_rescue'])
    add(`bin/${b}`, 12_000, 0o755);
  add('bin/no_dot_erlang.boot', 6_000);
  const erts = `erts-${params.ertsVersion}`;
  add(`${erts}/bin/beam.smp`, 4_000_000, 0o755);
  for (const b of ['erlexec', 'epmd', 'heart', 'inet_gethost', 'erl_child_setup', 'run_erl', 'to_erl', 'dyn_erl'])
    add(`${erts}/bin/${b}`, 200_000, 0o755);
  for (const b of ['erl', 'start', 'escript', 'erlc', 'ct_run', 'typer', 'dialyzer', 'erl.src', 'start.src'])
    add(`${erts}/bin/${b}`, 3_000, 0o755);
  for (const f of ['emqx_vars', 'RELEASES', 'start_erl.data']) add(`releases/${f}`, 600);
  for (const f of ['emqx.rel', 'emqx.boot', 'emqx.script', 'start.boot', 'start_clean.boot', 'sys.config', 'vm.args', 'relup'])
    add(`releases/${v}/${f}`, 8_000);
  for (const f of ['emqx.conf', 'vm.args', 'ssl_dist.conf', 'certs/cacert.pem', 'certs/cert.pem', 'certs/key.pem'])
    add(`etc/${f}`, 3_000);
  add('data/loaded_plugins', 100);

  const dash = apps.find((a) => a.startsWith('emqx_dashboard-')) as string;
  for (const p of longAssetPaths(rng, `lib/${dash}/priv/www/static/assets`, params.longPaths)) add(p, 60_000);
  for (const app of apps) {
    const name = app.slice(0, app.lastIndexOf('-'));
    add(`lib/${app}/ebin/${name}.app`, 1_500);
    const nif = NIF_APPS[name];
    if (nif) add(`lib/${app}/priv/${nif}`, name === 'rocksdb' ? 3_000_000 : 400_000);
  }

  // The rest are .beam modules, spread over the applications with uneven weights.
  const remaining = params.fileCount - 2 - paths.length;
  if (remaining < apps.length) throw new Error(`fileCount ${params.fileCount} too small for the skeleton`);
  const weights = apps.map(() => 0.2 + rng.next() * rng.next() * 4);
  const wsum = weights.reduce((a, b) => a + b, 0);
  let left = remaining;
  apps.forEach((app, i) => {
    const name = app.slice(0, app.lastIndexOf('-'));
    const n = i === apps.length - 1 ? left : Math.min(left, Math.max(1, Math.round((remaining * (weights[i] as number)) / wsum)));
    left -= n;
    for (let m = 0; m < n; m++) add(`lib/${app}/ebin/${name}_${words(rng, 1).replace(/-/g, '_')}_${m}.beam`, 25_000);
  });

  const files: TreeFile[] = paths.map((p) => ({
    path: p.path,
    size: roughSize(rng, p.median),
    kind: kindOf(p.path),
    mode: p.mode ?? 0o644,
  }));
  const [runnerName, escriptName] = scriptNames(v);
  const scripts: [TreeFile, TreeFile] = [
    { path: runnerName, size: 0, kind: 'text', mode: 0o755 },
    { path: escriptName, size: 0, kind: 'text', mode: 0o755 },
  ];
  const random = files.filter((f) => f.kind === 'random');
  const text = files.filter((f) => f.kind === 'text');
  scale(random, params.rawBytes * params.incompressibleFraction);
  scale(text, params.rawBytes * (1 - params.incompressibleFraction));
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { params, files, scripts };
}

/** The parent directories of `path`, outermost first (`a/b/c` -> `a`, `a/b`). */
function parents(path: string): string[] {
  const out: string[] = [];
  for (let i = path.indexOf('/'); i !== -1; i = path.indexOf('/', i + 1)) out.push(path.slice(0, i));
  return out;
}

/** Index in `files` before which the scripts go: 0, the byte midpoint, the end. */
export function scriptIndex(files: readonly TreeFile[], layout: 'first' | 'middle' | 'last'): number {
  if (layout === 'first') return 0;
  if (layout === 'last') return files.length;
  const total = files.reduce((s, f) => s + f.size, 0);
  let acc = 0;
  for (let i = 0; i < files.length; i++) {
    if (acc >= total / 2) return i;
    acc += (files[i] as TreeFile).size;
  }
  return files.length;
}

/** readdir order on a hashed directory (ext4's htree), stood in for by a seeded shuffle per directory. */
function readdirOrder(names: string[], seed: number, dir: string): string[] {
  let h = seed >>> 0;
  for (let i = 0; i < dir.length; i++) h = Math.imul(h ^ dir.charCodeAt(i), 16777619) >>> 0;
  const rng = makeRng(h);
  const out = [...names];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j] as string, out[i] as string];
  }
  return out;
}

/** EMQX's `tar -zcf -- *`: each directory before its children, top level sorted, the rest in readdir order. */
function emqxOrder(paths: readonly string[], seed: number): string[] {
  interface Dir {
    files: string[];
    dirs: Map<string, Dir>;
  }
  const root: Dir = { files: [], dirs: new Map() };
  for (const p of paths) {
    const parts = p.split('/');
    let d = root;
    for (const part of parts.slice(0, -1)) {
      const next = d.dirs.get(part) ?? { files: [], dirs: new Map() };
      d.dirs.set(part, next);
      d = next;
    }
    d.files.push(parts[parts.length - 1] as string);
  }
  const out: string[] = [];
  const walk = (d: Dir, prefix: string, top: boolean): void => {
    const names = [...d.files, ...d.dirs.keys()];
    const order = top ? names.sort() : readdirOrder(names, seed, prefix);
    for (const n of order) {
      const full = prefix === '' ? n : `${prefix}/${n}`;
      const sub = d.dirs.get(n);
      out.push(full);
      if (sub) walk(sub, full, false);
    }
  };
  walk(root, '', true);
  return out;
}

/**
 * The member list for `tar --no-recursion -T`: directories before their first child, files by
 * path, the two versioned scripts placed by the layout. `prefixes` repeats the tree under extra
 * top-level names (the 1 GB package), scripts still only once, at the very end for `last`.
 */
export function memberOrder(tree: Tree, layout: Layout, prefixes: readonly string[] = []): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const push = (path: string): void => {
    for (const d of parents(path)) {
      if (!seen.has(d)) {
        seen.add(d);
        out.push(d);
      }
    }
    out.push(path);
  };
  if (layout === 'emqx') {
    const order = emqxOrder([...tree.files.map((f) => f.path), ...tree.scripts.map((f) => f.path)], tree.params.seed);
    for (const p of prefixes) for (const f of tree.files) order.push(`${p}/${f.path}`);
    return order;
  }
  const relup = `releases/${tree.params.version}/relup`;
  const vars = 'releases/emqx_vars';
  const at = layout === 'none' ? -1 : scriptIndex(tree.files, layout);
  // pack's layout: the relup and emqx_vars right after the scripts, so the wrapper reads only the head.
  const rest = layout === 'first' ? tree.files.filter((f) => f.path !== relup && f.path !== vars) : tree.files;
  // Scripts go in without parent entries, so `first` really starts with them (as pack writes).
  const scripts = (): void => {
    for (const s of tree.scripts) out.push(s.path);
  };
  if (layout === 'first') {
    scripts();
    out.push(relup, vars);
  }
  rest.forEach((f, i) => {
    if (i === at && layout !== 'last' && layout !== 'first') scripts();
    push(f.path);
  });
  for (const p of prefixes) for (const f of tree.files) push(`${p}/${f.path}`);
  if (layout === 'last' || at === tree.files.length) scripts();
  return out;
}
