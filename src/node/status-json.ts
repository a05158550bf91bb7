// The `emqx --status --json` object: the contract between the wrapper on a host (node/status.ts
// writes it) and the rollout (rollout/status.ts reads it over ssh). Defined once, here, with the
// shape check the reader applies; test/node/status-json.test.ts runs the real wrapper against it.
import type { Edition } from '../version/index.js';

/** One release as releases/RELEASES records it. */
export interface ReleaseState {
  version: string;
  /** release_handler's word: permanent, current, old, unpacked. */
  status: string;
}

export interface StatusJson {
  root: string;
  relName: string;
  edition: Edition;
  currentVersion: string;
  ertsVersion: string;
  node: { name: string; nameType: string; nameSource: string; cookieSource: string };
  /** null when unknown: no nodetool or cookie, or nodetool failed (then nodetoolError says why). */
  nodeAlive: boolean | null;
  /** nodetool's decisive line when it failed (crash, unreadable cookie file, timeout); else null. */
  nodetoolError: string | null;
  /**
   * The visible Erlang nodes the node is connected to (`nodes()`), sorted; null when the node does
   * not answer, the eval failed (a warning says why) or an older wrapper left it out. The rollout's
   * gate compares it before and after a host's upgrade.
   */
  peers: string[] | null;
  lockHolder: number | null;
  releases: ReleaseState[];
  versionedScripts: string[];
  packages: string[];
  /**
   * Upgrade paths of the running release's releases/<v>/relup (what a downgrade can reach); null
   * when it has none; absent from a wrapper that does not report them.
   */
  relup?: { version: string; upFrom: string[]; downTo: string[] } | null;
  /**
   * Hot patches: the .beam modules in <data_dir>/patches, which a hot upgrade would leave shadowing
   * the release's (the rollout's preflight refuses them); null when the directory could not be
   * read (a warning says why); absent from a wrapper that does not report them.
   */
  patches?: { dir: string; modules: string[] } | null;
  /** Releases left half-way by an earlier attempt, each with what is wrong and the command that clears it. */
  stuck: Stuck[];
  warnings: string[];
}

export interface Stuck {
  version: string;
  status: string;
  problem: string;
  clear: string;
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((p): p is string => typeof p === 'string') : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function readPatches(v: unknown): StatusJson['patches'] {
  if (typeof v !== 'object' || v === null) return null;
  const p = v as Record<string, unknown>;
  return { dir: str(p.dir), modules: strings(p.modules) };
}

function readRelup(v: unknown): StatusJson['relup'] {
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  return { version: str(r.version), upFrom: strings(r.upFrom), downTo: strings(r.downTo) };
}

/**
 * Reads a parsed status object: what the rollout decides on must be there and well formed (else
 * the reason); fields only shown to the operator default when an older wrapper left them out.
 */
export function readStatusJson(o: unknown): StatusJson | { wrong: string } {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return { wrong: 'not an object' };
  const s = o as Record<string, unknown>;
  const { edition, currentVersion, nodeAlive, lockHolder } = s;
  if (edition !== 'community' && edition !== 'enterprise') return { wrong: 'edition' };
  if (typeof currentVersion !== 'string') return { wrong: 'currentVersion' };
  if (!(nodeAlive === true || nodeAlive === false || nodeAlive === null)) return { wrong: 'nodeAlive' };
  if (!(lockHolder === null || typeof lockHolder === 'number')) return { wrong: 'lockHolder' };
  const releases: ReleaseState[] = [];
  for (const r of Array.isArray(s.releases) ? s.releases : []) {
    const e = r as Record<string, unknown>;
    if (typeof e?.version === 'string' && typeof e.status === 'string') releases.push({ version: e.version, status: e.status });
  }
  const n = (typeof s.node === 'object' && s.node !== null ? s.node : {}) as Record<string, unknown>;
  return {
    root: str(s.root),
    relName: str(s.relName),
    edition,
    currentVersion,
    ertsVersion: str(s.ertsVersion),
    node: { name: str(n.name), nameType: str(n.nameType), nameSource: str(n.nameSource), cookieSource: str(n.cookieSource) },
    nodeAlive,
    nodetoolError: typeof s.nodetoolError === 'string' ? s.nodetoolError : null,
    peers: Array.isArray(s.peers) && s.peers.every((p) => typeof p === 'string') ? [...(s.peers as string[])].sort() : null,
    lockHolder,
    releases,
    versionedScripts: strings(s.versionedScripts),
    packages: strings(s.packages),
    ...('relup' in s ? { relup: readRelup(s.relup) } : {}),
    ...('patches' in s ? { patches: readPatches(s.patches) } : {}),
    stuck: (Array.isArray(s.stuck) ? s.stuck : []).flatMap((x) => {
      const e = (x ?? {}) as Record<string, unknown>;
      return typeof e.version === 'string' ? [{ version: e.version, status: str(e.status), problem: str(e.problem), clear: str(e.clear) }] : [];
    }),
    warnings: strings(s.warnings),
  };
}
