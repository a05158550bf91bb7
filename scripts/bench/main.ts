// `npm run bench`: speed and memory of the extraction, the wrapper and pack against GNU tar,
// gzip, bsdtar and Node's own zlib floor, and of the rollout against an ssh loop and Ansible
// (rollout.ts). See USAGE in options.ts.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheRoot, ensurePackages, type Manifest } from './generate.js';
import { makeRoot, resetRoot, wrapperEnv } from './fixtures.js';
import { scriptNames, type Layout } from './layout.js';
import { machine, machineLine } from './machine.js';
import { child, firstLine, timed, useRealtime, type Run } from './measure.js';
import { kibToMB, log, Results, runCases, type Case } from './cases.js';
import { genParams, parseOptions, USAGE, type Options } from './options.js';
import { rawTable, targetTable } from './report.js';
import { evaluate, summarize, type Row, type Target } from './stats.js';
import { INFO, TARGETS } from './targets.js';
import { rolloutBench, UPGRADE_SECONDS as ROLLOUT_UPGRADE_SECONDS } from './rollout.js';
import { fleetSizes, rolloutTargets } from './rollout-targets.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');
const childJs = path.join(here, 'child.js');
const LAYOUTS: Array<Exclude<Layout, 'none'>> = ['first', 'middle', 'last', 'emqx'];
/** Layouts whose whole `emqx unpack` is measured, with and without a sidecar to verify. */
const UNPACK_LAYOUTS: Array<Exclude<Layout, 'none'>> = ['last', 'first', 'emqx'];

/** The bytes the wrapper read of the package over its size, from the run's line in <root>/log/emqx-relup.log. */
function bytesRatio(root: string): number {
  const lines = fs.readFileSync(path.join(root, 'log', 'emqx-relup.log'), 'utf8').trim().split('\n');
  const entry = JSON.parse(lines[lines.length - 1] as string) as { reads?: { bytesRead: number; size: number }[] };
  const reads = entry.reads ?? [];
  if (reads.length === 0) throw new Error('the run log names no package read');
  return reads.reduce((a, r) => a + r.bytesRead / r.size, 0);
}

function readAll(file: string): void {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(4 << 20);
  try {
    while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
  } finally {
    fs.closeSync(fd);
  }
}

function measureIds(t: Target): [string | null, string | null] {
  if (t.kind === 'ratio') return [t.project, t.reference];
  if (t.kind === 'limit') return [t.project, null];
  return [t.a, t.b];
}

/** Runs `cmd` to extract the two members into a fresh directory, checks they arrived, times it. */
function extractWithTool(work: string, cmd: string, args: (dir: string) => string[], members: string[]): Run {
  const dir = fs.mkdtempSync(path.join(work, 'x-'));
  try {
    const r = timed(cmd, args(dir));
    if (r.status !== 0) throw new Error(`${cmd} exited ${r.status}: ${firstLine(r.stderr)}`);
    for (const m of members) if (!fs.statSync(path.join(dir, m)).isFile()) throw new Error(`${cmd} did not extract ${m}`);
    return r;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function extractCase(res: Results, work: string, module: string, pkg: string, version: string, id: string, rssId: string | null): Case {
  return {
    id,
    project: true,
    run() {
      const bin = fs.mkdtempSync(path.join(work, 'bin-'));
      try {
        const { report } = child(childJs, ['extract', module, pkg, version, bin]);
        for (const m of scriptNames(version)) {
          const st = fs.statSync(path.join(bin, path.basename(m)));
          if (!st.isFile() || st.size === 0) throw new Error(`extractScripts did not write ${m}`);
        }
        res.run(id, report, { bytesRead: report.bytesRead, entriesSeen: report.entriesSeen, maxRssKiB: report.maxRssKiB });
        if (rssId) res.add(rssId, kibToMB(report.maxRssKiB));
      } finally {
        fs.rmSync(bin, { recursive: true, force: true });
      }
    },
  };
}

async function main(opts: Options): Promise<void> {
  const started = new Date();
  const facts = machine();
  if (opts.rt) {
    const probe = timed('chrt', ['-r', '1', 'true']);
    if (probe.status !== 0) throw new Error(`--rt needs chrt and root: chrt -r 1 true exited ${probe.status}: ${firstLine(probe.stderr)}`);
    useRealtime(true);
    log('--rt: measured commands run under chrt -r 1 (round-robin real-time priority)');
  }
  log(`machine: ${machineLine(facts)}`);
  const cache = cacheRoot(opts.cacheDir ?? undefined);
  const res = new Results();
  const packages = opts.rolloutOnly ? null : await packageBench(opts, cache, res);
  const sizes = fleetSizes(opts.quick);
  const withRollout = opts.rolloutRounds > 0;
  if (withRollout) await rolloutBench({ sizes, rounds: opts.rolloutRounds, repo }, res);
  const fleet = rolloutTargets(sizes);
  const targets = [...(packages ? TARGETS : []), ...(withRollout ? fleet.targets : [])];
  const infos = [...(packages ? INFO : []), ...(withRollout ? fleet.info : [])];

  const rows: Row[] = targets.map((t) => evaluate(t, res.samples));
  const info: Row[] = infos.map((t) => evaluate(t, res.samples));
  const ids = Object.fromEntries([...targets, ...infos].map((t) => [t.id, measureIds(t)]));
  const fleetLine = withRollout
    ? `fleet: ${sizes.join(', ')} loopback hosts (one sshd each, fake roots, upgrade ${ROLLOUT_UPGRADE_SECONDS} s each); ${opts.rolloutRounds} round(s)`
    : null;
  const loadEnd = os.loadavg()[0] ?? 0;
  const busy =
    Math.max(facts.load1, loadEnd) > facts.cores && !opts.rt
      ? [`warning: the machine was busy (1-min load ${facts.load1.toFixed(1)} at start, ${loadEnd.toFixed(1)} at end, ${facts.cores} cores): wall times are inflated, most for multi-process references (tar -z runs gzip beside tar); the cpu ratio column is steadier`]
      : [];
  const out = [
    '',
    `machine: ${machineLine(facts)}`,
    ...(packages ? [packages.line] : []),
    ...(fleetLine ? [fleetLine] : []),
    ...busy,
    '',
    targetTable(rows, ids),
    '',
    targetTable(info, ids),
    '',
    rawTable(res.samples, []),
    ...Object.entries(res.notes).map(([k, v]) => `note: ${k}: ${v}`),
  ].join('\n');
  process.stdout.write(out + '\n');

  const jsonFile = path.resolve(opts.out ?? path.join(cache, `results-${started.toISOString().replace(/[:.]/g, '-')}.json`));
  fs.mkdirSync(path.dirname(jsonFile), { recursive: true });
  const summaryOf = Object.fromEntries(Object.entries(res.samples).map(([k, v]) => [k, summarize(v)]));
  fs.writeFileSync(
    jsonFile,
    JSON.stringify(
      {
        startedAt: started.toISOString(),
        finishedAt: new Date().toISOString(),
        machine: { ...facts, load1AtEnd: Math.round(loadEnd * 100) / 100 },
        options: opts,
        packages: packages?.manifest ?? null,
        notes: res.notes,
        targets: rows,
        info,
        summaries: summaryOf,
        samples: res.samples,
        details: res.details,
        units: 'times in ms, memory in MB (10^6 bytes)',
      },
      null,
      2,
    ) + '\n',
  );
  process.stdout.write(`\nresults written to ${jsonFile}\n`);
}

/**
 * The single executable of this machine's architecture (dist/exe, `npm run build:exe`): its size,
 * and `emqx --version` through a symlink named emqx against `node -e 0` of the Node it carries.
 */
function exeCases(work: string, res: Results): Case[] {
  const manifestFile = path.join(repo, 'dist/exe/manifest.json');
  const entry = fs.existsSync(manifestFile) ? (JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as ExeManifest) : null;
  const file = entry?.files[process.arch];
  if (!entry || !file || !fs.existsSync(entry.nodeBinary)) {
    res.note('executable', `dist/exe has no linux-${process.arch} executable (run \`npm run build:exe\`): skipped`);
    return [];
  }
  res.add('size:exe', fs.statSync(path.join(repo, 'dist/exe', file.file)).size / 1e6);
  const emqx = path.join(work, 'exe', 'emqx');
  fs.mkdirSync(path.dirname(emqx), { recursive: true });
  fs.symlinkSync(path.join(repo, 'dist/exe', file.file), emqx);
  const run = (id: string, cmd: string, args: string[], project: boolean): Case => ({
    id,
    project,
    run() {
      const r = timed(cmd, args);
      if (r.status !== 0) throw new Error(`exited ${r.status}: ${firstLine(r.stderr)}`);
      res.run(id, r);
    },
  });
  return [run('cold:exe-node', entry.nodeBinary, ['-e', '0'], false), run('cold:exe-version', emqx, ['--version'], true)];
}

interface ExeManifest {
  nodeBinary: string;
  files: Record<string, { file: string }>;
}

/** Extraction, wrapper and pack against their references; returns the packages' line. */
async function packageBench(opts: Options, cache: string, res: Results): Promise<{ manifest: Manifest; line: string }> {
  const params = genParams(opts.quick);
  const manifest: Manifest = await ensurePackages(params, cache, log);
  const V = params.version;
  const members = scriptNames(V);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'relup-bench-'));
  process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));

  // What of the project is on this branch yet.
  const extractModule = path.join(repo, 'dist/src/package/extract.js');
  const wrapper = path.join(repo, 'bin/emqx');
  const relup = path.join(repo, 'bin/emqx-relup');
  const bundle = path.join(repo, 'dist/emqx.cjs');
  const hasExtract = fs.existsSync(extractModule);
  if (!hasExtract) res.note('extraction', 'not available yet (src/package/extract.ts is not on this branch): skipped');

  for (const id of ['first', 'middle', 'last', 'emqx', 'none'] as const) readAll(manifest.packages[id].path);

  // Installation roots: one per layout for `emqx upgrade`, one with the scripts in bin/ for cold starts.
  const coldRoot = path.join(work, 'root-cold');
  makeRoot(coldRoot, { currentVersion: '5.0.0', ertsVersion: params.ertsVersion, scriptsFor: V });
  const coldEnv = wrapperEnv(path.join(work, 'record-cold'));
  let hasWrapper = fs.existsSync(wrapper);
  if (!hasWrapper) res.note('wrapper', 'not available yet (bin/emqx is not on this branch): skipped');
  else {
    const r = timed(wrapper, ['--root', coldRoot, '--dry-run', 'upgrade', V], { env: coldEnv });
    if (r.status !== 0) {
      hasWrapper = false;
      res.note('wrapper', `not usable: \`emqx --dry-run upgrade ${V}\` exited ${r.status}: ${firstLine(r.stderr)}`);
    }
  }

  const cases: Case[] = [];
  for (const layout of LAYOUTS) {
    const pkg = manifest.packages[layout].path;
    cases.push({ id: `tar:${layout}`, project: false, run: () => res.run(`tar:${layout}`, extractWithTool(work, 'tar', (d) => ['-xzf', pkg, '-C', d, ...members], members)) });
    cases.push({
      id: `tar-occ:${layout}`,
      project: false,
      run: () => res.run(`tar-occ:${layout}`, extractWithTool(work, 'tar', (d) => ['--occurrence=1', '-xzf', pkg, '-C', d, ...members], members)),
    });
    cases.push({
      id: `bsdtar:${layout}`,
      project: false,
      run: () => res.run(`bsdtar:${layout}`, extractWithTool(work, 'bsdtar', (d) => ['--fast-read', '-xzf', pkg, '-C', d, ...members], members)),
    });
    if (hasExtract) cases.push(extractCase(res, work, extractModule, pkg, V, `extract:${layout}`, layout === 'last' ? 'rss:last' : null));
    if (hasWrapper) {
      const root = path.join(work, `root-${layout}`);
      const record = path.join(work, `record-${layout}`);
      makeRoot(root, { currentVersion: '5.0.0', ertsVersion: params.ertsVersion, packagePath: pkg });
      const env = wrapperEnv(record);
      cases.push({
        id: `upgrade:${layout}`,
        project: true,
        run() {
          resetRoot(root, V, record);
          const r = timed(wrapper, ['--root', root, 'upgrade', V], { env });
          if (r.status !== 0) throw new Error(`emqx upgrade exited ${r.status}: ${firstLine(r.stderr)}`);
          const rec = fs.existsSync(record) ? fs.readFileSync(record, 'utf8') : '';
          if (!rec.includes(`bin/emqx-${V} upgrade`)) throw new Error(`no hand-over to bin/emqx-${V} recorded (record: ${JSON.stringify(rec)})`);
          res.run(`upgrade:${layout}`, r);
          resetRoot(root, V, record);
        },
      });
    }
  }
  // The whole `emqx unpack` (one read of the package: relup, scripts, and with a sidecar the sha256).
  if (hasWrapper) {
    for (const layout of UNPACK_LAYOUTS) {
      const pkg = manifest.packages[layout].path;
      cases.push({ id: `sha256sum:${layout}`, project: false, run: () => res.run(`sha256sum:${layout}`, timed('sha256sum', [pkg])) });
      for (const sum of [false, true]) {
        const id = `unpack${sum ? '-sum' : ''}:${layout}`;
        const root = path.join(work, `root-${id.replace(':', '-')}`);
        const record = path.join(work, `record-${id.replace(':', '-')}`);
        makeRoot(root, { currentVersion: '5.0.0', ertsVersion: params.ertsVersion, packagePath: pkg });
        if (sum) {
          const digest = createHash('sha256').update(fs.readFileSync(pkg)).digest('hex');
          fs.writeFileSync(path.join(root, 'releases', `${path.basename(pkg)}.sha256`), `${digest}  ${path.basename(pkg)}\n`);
        }
        const env = wrapperEnv(record);
        cases.push({
          id,
          project: true,
          run() {
            resetRoot(root, V, record);
            const r = timed(wrapper, ['--root', root, ...(sum ? ['--require-checksum'] : []), 'unpack', V], { env });
            if (r.status !== 0) throw new Error(`emqx unpack exited ${r.status}: ${firstLine(r.stderr)}`);
            const rec = fs.existsSync(record) ? fs.readFileSync(record, 'utf8') : '';
            if (!rec.includes(`bin/emqx-${V} unpack`)) throw new Error(`no hand-over to bin/emqx-${V} recorded (record: ${JSON.stringify(rec)})`);
            res.run(id, r);
            res.add(`bytes:${id}`, bytesRatio(root));
            resetRoot(root, V, record);
          },
        });
      }
    }
  }
  const last = manifest.packages.last.path;
  cases.push({ id: 'gzip-dc', project: false, run: () => res.run('gzip-dc', timed('gzip', ['-dc', last])) });
  const inflateCase = (id: string, read: string, chunk: string): Case => ({
    id,
    project: false,
    run() {
      const { report } = child(childJs, ['inflate', last, read, chunk]);
      res.run(id, report);
      if (id === 'zlib') res.add('rss:zlib', kibToMB(report.maxRssKiB));
    },
  });
  cases.push(inflateCase('zlib', String(1 << 20), String(1 << 20)), inflateCase('zlib-default', 'default', 'default'));
  cases.push({ id: 'tarstream', project: false, run: () => res.run('tarstream', child(childJs, ['tarstream', last]).report) });
  cases.push({ id: 'tarstream-raw', project: false, run: () => res.run('tarstream-raw', child(childJs, ['tarstream-raw', last]).report) });

  runCases(cases, opts.rounds, res);

  // Cold starts: many short spawns, interleaved.
  const cold: Case[] = [{ id: 'cold:node', project: false, run: () => res.run('cold:node', timed(process.execPath, ['-e', '0'])) }];
  const coldWrapper = (id: string, cmd: string, args: string[]): Case => ({
    id,
    project: true,
    run() {
      const r = timed(cmd, args, { env: coldEnv });
      if (r.status !== 0) throw new Error(`exited ${r.status}: ${firstLine(r.stderr)}`);
      res.run(id, r);
    },
  });
  if (hasWrapper) {
    cold.push(coldWrapper('cold:ping', wrapper, ['--root', coldRoot, 'ping']));
    cold.push(coldWrapper('cold:dry-run', wrapper, ['--root', coldRoot, '--dry-run', 'upgrade', V]));
  }
  if (fs.existsSync(bundle)) {
    cold.push(coldWrapper('cold:bundle-ping', process.execPath, [bundle, '--root', coldRoot, 'ping']));
    cold.push(coldWrapper('cold:bundle-dry-run', process.execPath, [bundle, '--root', coldRoot, '--dry-run', 'upgrade', V]));
  }
  cold.push(...exeCases(work, res));
  log(`cold starts: ${opts.rounds * opts.coldRuns} runs of ${cold.map((c) => c.id).join(', ')}`);
  runCases(cold, opts.rounds * opts.coldRuns, res);
  for (let i = 0; i < 3; i++) res.add('rss:node', kibToMB(child(childJs, ['noop']).report.maxRssKiB));

  // Memory on the big package.
  if (hasExtract && opts.bigRounds > 0) {
    const big = manifest.packages.big;
    log(`memory: ${opts.bigRounds} extraction(s) from the ${(big.gzBytes / 1e9).toFixed(2)} GB package`);
    readAll(big.path);
    runCases([extractCase(res, work, extractModule, big.path, V, 'extract:big', 'rss:big')], opts.bigRounds, res);
  }

  // pack against gzip re-compressing the same package.
  if (opts.packRounds > 0) {
    const input = manifest.packages.none.path;
    const pack: Case = {
      id: 'pack',
      project: true,
      run() {
        const out = fs.mkdtempSync(path.join(work, 'pack-'));
        try {
          const r = timed(process.execPath, [relup, 'pack', input, '--out', out]);
          if (r.status !== 0) throw new Error(`emqx-relup pack exited ${r.status}: ${firstLine(r.stderr)}`);
          if (!fs.readdirSync(out).some((f) => f.endsWith('.tar.gz'))) throw new Error('emqx-relup pack wrote no .tar.gz');
          res.run('pack', r);
          if (r.maxRssKiB !== null) res.add('rss:pack', kibToMB(r.maxRssKiB));
        } finally {
          fs.rmSync(out, { recursive: true, force: true });
        }
      },
    };
    const regzip: Case = {
      id: 'regzip',
      project: false,
      run() {
        const out = path.join(work, 'regzip.tar.gz');
        const r = timed('sh', ['-c', 'gzip -dc "$1" | gzip -6 > "$2"', 'sh', input, out]);
        if (r.status !== 0) throw new Error(`gzip | gzip exited ${r.status}: ${firstLine(r.stderr)}`);
        res.run('regzip', r);
        fs.rmSync(out, { force: true });
      },
    };
    log(`pack: ${opts.packRounds} round(s) against gzip -dc | gzip -6`);
    runCases([pack, regzip], opts.packRounds, res, true);
  }

  const p = manifest.packages;
  const line =
    `packages: ${(p.last.gzBytes / 1e6).toFixed(1)} MB gzip, ${(p.last.rawBytes / 1e6).toFixed(0)} MB unpacked ` +
    `(${(p.last.rawBytes / p.last.gzBytes).toFixed(2)}x), ${manifest.fileCount} files, ${manifest.longPaths} paths > 100 chars; ` +
    `big ${(p.big.gzBytes / 1e9).toFixed(2)} GB; ${opts.rounds} rounds, ${opts.rounds * opts.coldRuns} cold starts each, warm page cache` +
    (opts.rt ? '; every measured command under chrt -r 1 (as on an otherwise idle machine)' : '');
  return { manifest, line };
}

let opts: Options;
try {
  opts = parseOptions(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`bench: ${(e as Error).message}\n${USAGE}\n`);
  process.exit(64);
}
if (opts.help) {
  process.stdout.write(USAGE + '\n');
} else {
  main(opts).catch((e: unknown) => {
    process.stderr.write(`bench: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 70;
  });
}
