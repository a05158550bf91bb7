// Pure checks of `emqx-relup inspect`: from the scanned member list of a package (inspect.ts), every
// problem that would make `emqx upgrade` (the bootstrapper's early-stop extraction) or
// release_handler (unpack_release/install_release) fail, and the facts an operator wants to see.
import { type Edition, editionFromIsEnterprise, parsePackageName } from '../version/index.js';
import { parseSidecar } from '../package/checksum.js';
import { checkSafeName, classify, escriptName, MAX_SCRIPT_BYTES, releaseDirOf, runnerName } from './layout.js';
import { parseRelFile, parseStartErlData, releaseVersionOf, varsLiterals } from './release-facts.js';
import { companionNames } from './pack-plan.js';
import { hasMarker } from '../release/wrapper-marker.js';
import { parseRelup } from '../release/relup.js';
import { relupMember } from '../release/script-names.js';

export interface ScannedEntry {
  name: string;
  type: string;
  mode: number;
  size: number;
  linkname: string | null;
  /** First bytes of a versioned script (to see its `#!` and the wrapper's marker). */
  head?: Buffer | undefined;
}

export interface Scan {
  file: string;
  size: number;
  sha256: string;
  entries: ScannedEntry[];
  /** Contents of the metadata members: releases/emqx_vars, releases/start_erl.data, *.rel, releases/<v>/relup. */
  texts: Map<string, string>;
  /** Text of `<file>.sha256`, null when absent. */
  sidecar: string | null;
  /** Why reading stopped early (corrupt, truncated, not gzip); null when the whole archive was read. */
  readError: string | null;
}

export interface Problem {
  code: string;
  message: string;
}

export interface ScriptInfo {
  name: string;
  /** 1-based position among the members. */
  position: number;
  size: number;
  mode: string;
  type: string;
}

export interface InspectReport {
  file: string;
  size: number;
  sha256: string;
  name: { edition: Edition; version: string; platform: string | null } | null;
  /** The version checked: from the name, else from the release. */
  version: string | null;
  entries: number;
  scripts: { runner: ScriptInfo | null; escript: ScriptInfo | null };
  release: {
    dir: string | null;
    rel: string | null;
    relName: string | null;
    relVersion: string | null;
    varsVersion: string | null;
    edition: Edition | null;
  };
  sidecar: { present: boolean; matches: boolean | null };
  /** The upgrade paths of releases/<version>/relup (member: its 1-based position); null when there is none or it is invalid. */
  relup: { upFrom: string[]; downTo: string[]; member: number } | null;
  problems: Problem[];
  /** What does not stop emqx-relup but matters to EMQX's own runner; inspect still exits 0. */
  warnings: Problem[];
}

const stripDots = (n: string): string => n.replace(/^(\.\/)+/, '');

function mode(m: number): string {
  return `0${(m & 0o7777).toString(8).padStart(3, '0')}`;
}

/** The release's version by the rule pack uses (releaseVersionOf); null when it names none or several. */
function releaseVersion(texts: Map<string, string>): string | null {
  const vars = texts.get('releases/emqx_vars');
  let fromVars: string | undefined;
  try {
    fromVars = vars !== undefined ? varsLiterals(vars).get('REL_VSN') : undefined;
  } catch {
    fromVars = undefined; // reported as VARS_INVALID by the caller
  }
  const se = texts.get('releases/start_erl.data');
  const rels = [...texts].filter(([p]) => /^releases\/[^/]+\/[^/]+\.rel$/.test(p)).map(([p, t]) => parseRelFile(p, t)).filter((r) => r !== null);
  const v = releaseVersionOf({ varsVersion: fromVars, startErlVersion: se !== undefined ? parseStartErlData(se)?.version : undefined, rels });
  return v.kind === 'found' ? v.version : null;
}

export function checkPackage(scan: Scan): InspectReport {
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const add = (code: string, message: string): void => {
    problems.push({ code, message });
  };
  const base = scan.file.slice(scan.file.lastIndexOf('/') + 1);
  const parsed = parsePackageName(base);
  if (parsed && parsed.platform === null) {
    warnings.push({
      code: 'NAME_NO_PLATFORM',
      message: `${base} has no platform part: EMQX's own runner (5.0.14 and later) looks for ${parsed.base}-${parsed.version}-*.tar.gz and will not find it (emqx-relup's wrapper does); rename it, e.g. ${parsed.base}-${parsed.version}-ubuntu22.04-amd64.tar.gz`,
    });
  }
  if (!parsed) add('NAME', `${base} is not named <emqx|emqx-enterprise>-<version>[-<platform>].tar.gz, so emqx upgrade will not find it`);
  if (scan.readError !== null) add('READ', `the archive cannot be read to the end: ${scan.readError}`);

  // Layout: release_handler extracts members as named into the root.
  const names = scan.entries.map((e) => stripDots(e.name));
  const dotted = scan.entries.filter((e) => e.name.startsWith('./') || e.name === '.').length;
  if (dotted > 0) add('DOT_PREFIX', `${dotted} member(s) start with './' (e.g. ${scan.entries.find((e) => e.name.startsWith('./'))?.name ?? '.'}); release_handler rejects that layout`);
  const tops = new Set(names.filter((n) => n !== '' && n !== '.').map((n) => n.split('/')[0]));
  if (tops.size === 1 && scan.entries.length > 1) {
    const top = [...tops][0]!;
    if (!['bin', 'lib', 'releases'].includes(top) && !top.startsWith('erts-')) {
      add('TOP_FOLDER', `every member sits under one top-level folder ${top}/; release_handler needs bin/, lib/ and releases/ at the top`);
    }
  }
  for (const e of scan.entries) {
    const n = stripDots(e.name);
    if (n === '' || n === '.') continue;
    try {
      checkSafeName(n, e.name);
    } catch (err) {
      add('UNSAFE_NAME', (err as Error).message);
    }
    if (!['file', 'directory', 'symlink', 'link'].includes(e.type)) add('SPECIAL_ENTRY', `member ${e.name} is a ${e.type}`);
  }

  // Release facts.
  const relVsn = releaseVersion(scan.texts);
  const version = parsed?.version ?? relVsn;
  if (parsed && relVsn !== null && relVsn !== parsed.version) {
    add('OTHER_RELEASE', `the name says version ${parsed.version} but the release inside is ${relVsn}`);
  }
  let vars: Map<string, string> | null = null;
  if (scan.texts.has('releases/emqx_vars')) {
    try {
      vars = varsLiterals(scan.texts.get('releases/emqx_vars')!);
    } catch (e) {
      add('VARS_INVALID', (e as Error).message);
    }
  }
  const varsVersion = vars?.get('REL_VSN') ?? null;
  const isEnt = vars?.get('IS_ENTERPRISE');
  const edition = isEnt !== undefined ? editionFromIsEnterprise(isEnt) : null;
  if (parsed && edition !== null && edition !== parsed.edition) {
    add('EDITION', `the name says ${parsed.edition} but releases/emqx_vars says ${edition} (IS_ENTERPRISE=${isEnt})`);
  }

  let dir: string | null = null;
  let relPath: string | null = null;
  let relName: string | null = null;
  let relVersion: string | null = null;
  if (version === null) {
    add('VERSION_UNKNOWN', 'no version in the name and none in the release (emqx_vars, start_erl.data, a single .rel)');
  } else {
    if (names.some((n) => releaseDirOf(n) === version)) dir = `releases/${version}/`;
    else add('RELEASE_DIR_MISSING', `no releases/${version}/ in the package; release_handler cannot unpack it`);
    const wantedRel = vars?.get('REL_NAME');
    const rels = [...scan.texts.keys()].filter((p) => p.startsWith(`releases/${version}/`) && p.endsWith('.rel'));
    relPath = rels.find((p) => wantedRel !== undefined && p === `releases/${version}/${wantedRel}.rel`) ?? rels[0] ?? null;
    if (dir !== null && relPath === null) add('REL_MISSING', `no .rel file in releases/${version}/; release_handler cannot unpack it`);
    if (relPath !== null) {
      const rel = parseRelFile(relPath, scan.texts.get(relPath)!);
      if (!rel) add('REL_INVALID', `${relPath} is not a valid .rel file`);
      else {
        relName = rel.name;
        relVersion = rel.version;
        if (rel.version !== version) add('REL_VERSION', `${relPath} is for version ${rel.version}, not ${version}`);
      }
    }
  }

  // The two versioned scripts: present once, regular, non-empty, executable, first.
  const scriptInfo = (want: string | null, label: string): ScriptInfo | null => {
    if (want === null) return null;
    const hits = scan.entries.map((e, i) => ({ e, i })).filter(({ e }) => stripDots(e.name) === want);
    if (hits.length === 0) {
      add('SCRIPT_MISSING', `${want} is missing; emqx upgrade cannot take the ${label} from this package`);
      return null;
    }
    if (hits.length > 1) add('SCRIPT_DUPLICATE', `${want} appears ${hits.length} times (members ${hits.map((h) => h.i + 1).join(', ')})`);
    const { e, i } = hits[0]!;
    if (e.type !== 'file') add('SCRIPT_NOT_FILE', `${want} is a ${e.type}${e.linkname ? ` to ${e.linkname}` : ''}, not a regular file`);
    else if (e.size === 0) add('SCRIPT_EMPTY', `${want} is empty`);
    else if (e.size > MAX_SCRIPT_BYTES) add('SCRIPT_TOO_BIG', `${want} is over 16 MiB`);
    if (e.type === 'file' && (e.mode & 0o100) === 0) add('SCRIPT_MODE', `${want} has mode ${mode(e.mode)}, not executable`);
    if (i > 1) add('SCRIPT_NOT_FIRST', `${want} is member ${i + 1}, not among the first two, so emqx upgrade reads the package up to it`);
    if (label === 'runner' && e.type === 'file' && e.size > 0 && e.head && !e.head.subarray(0, 2).equals(Buffer.from('#!'))) {
      add('SCRIPT_NO_SHEBANG', `${want} does not start with #!, so it cannot be executed`);
    }
    return { name: want, position: i + 1, size: e.size, mode: mode(e.mode), type: e.type };
  };
  const runner = scriptInfo(version === null ? null : runnerName(version), 'runner');
  const escript = scriptInfo(version === null ? null : escriptName(version), 'escript');
  const others = new Set(
    names.map((n) => classify(n)).flatMap((r) => (r.kind === 'versioned' && r.version !== version ? [r.version] : [])),
  );
  if ((runner === null || escript === null) && others.size > 0) {
    add('SCRIPT_OTHER_VERSION', `the package carries scripts for ${[...others].join(', ')} instead`);
  }

  // What EMQX's install_upgrade.escript needs: it unpacks "<v>/<rel>" and, after make_permanent,
  // copies bin/<rel>-<v>, bin/<rel>_ctl-<v>, bin/nodetool-<v> over the plain names.
  if (version !== null) {
    const rel = vars?.get('REL_NAME') ?? relName ?? 'emqx';
    const runnerEntry = scan.entries.find((e) => stripDots(e.name) === runnerName(version));
    if (runnerEntry?.head && hasMarker(runnerEntry.head)) {
      add('RUNNER_IS_WRAPPER', `${runnerName(version)} is the emqx-relup wrapper: EMQX's install_upgrade.escript copies it over bin/${rel} on a permanent install, leaving the release without its runner`);
    }
    // Judged on a whole, well-laid release only: elsewhere the problems above say what is wrong.
    const whole = dir !== null && scan.readError === null;
    const relForEscript = `releases/${version}/${rel}.rel`;
    if (whole && relPath !== null && !names.includes(relForEscript)) {
      add('ESCRIPT_REL_MISSING', `no ${relForEscript}: EMQX's install_upgrade.escript unpacks the package as "${version}/${rel}", so release_handler reads that file`);
    }
    for (const plain of whole ? companionNames(rel) : []) {
      const want = `${plain}-${version}`;
      if (!names.includes(want)) {
        add('COMPANION_MISSING', `${want} is missing: EMQX's install_upgrade.escript copies it over ${plain} after make_permanent and crashes without it, the node already permanent`);
      }
    }
  }

  // Upgrade paths: what `emqx upgrade` checks the running release against before anything changes.
  let relup: InspectReport['relup'] = null;
  if (version !== null && dir !== null) {
    const member = relupMember(version);
    const at = names.indexOf(member);
    const text = scan.texts.get(member);
    if (at === -1) {
      if (scan.readError === null) warnings.push({ code: 'RELUP_MISSING', message: `no ${member}: release_handler will unpack ${version} but cannot install it over a running release, and emqx upgrade only warns` });
    } else if (text === undefined) {
      add('RELUP_INVALID', `${member} is not a regular file of at most 16 MiB`);
    } else {
      try {
        const r = parseRelup(text, member, 'BAD_PACKAGE', '');
        if (r.version !== version) add('RELUP_VERSION', `${member} leads to ${r.version}, not ${version}, so release_handler refuses it`);
        else relup = { upFrom: r.upFrom, downTo: r.downTo, member: at + 1 };
      } catch (e) {
        add('RELUP_INVALID', (e as Error).message);
      }
      const scriptsFirst = runner?.position === 1 && escript?.position === 2;
      if (scriptsFirst && at !== 2) {
        warnings.push({ code: 'RELUP_LATE', message: `${member} is member ${at + 1}, not the third: emqx upgrade reads the package up to it to check the upgrade path (emqx-relup pack puts it third)` });
      }
    }
  }

  // Sidecar, read as emqx upgrade reads it.
  let matches: boolean | null = null;
  if (scan.sidecar !== null) {
    const parsed = parseSidecar(scan.sidecar, scan.file);
    if ('error' in parsed) add('SIDECAR_INVALID', `${base}.sha256 is malformed: ${parsed.error}`);
    else {
      matches = parsed.hash === scan.sha256;
      if (!matches) add('SIDECAR_MISMATCH', `${base}.sha256 says ${parsed.hash} but the package is ${scan.sha256}`);
    }
  }

  return {
    file: scan.file,
    size: scan.size,
    sha256: scan.sha256,
    name: parsed ? { edition: parsed.edition, version: parsed.version, platform: parsed.platform } : null,
    version,
    entries: scan.entries.length,
    scripts: { runner, escript },
    release: { dir, rel: relPath, relName, relVersion, varsVersion, edition },
    sidecar: { present: scan.sidecar !== null, matches },
    relup,
    problems,
    warnings,
  };
}
