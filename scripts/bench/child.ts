// One measurement in a fresh process, so each run is cold (as on an operator's node) and its
// peak RSS is its own. Prints one JSON line: { ms, cpuMs, maxRssKiB, rssBeforeKiB, ...details }.
//   child.js inflate <pkg> <readBytes|default> <chunkBytes|default>
//   child.js tarstream <pkg>
//   child.js tarstream-raw <pkg>
//   child.js extract <module.js> <pkg> <version> <binDir>
//   child.js noop
import * as fs from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import * as zlib from 'node:zlib';

function sizeArg(v: string | undefined): number | undefined {
  return v === undefined || v === 'default' ? undefined : Number(v);
}

function sink(): Writable {
  let bytes = 0;
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      cb();
    },
  });
  Object.defineProperty(w, 'bytes', { get: () => bytes });
  return w;
}

/** Node's own floor: read and inflate the whole package, discarding the output. */
async function inflate(pkg: string, read?: number, chunk?: number): Promise<Record<string, unknown>> {
  const out = sink();
  await pipeline(
    fs.createReadStream(pkg, read ? { highWaterMark: read } : {}),
    zlib.createGunzip(chunk ? { chunkSize: chunk } : {}),
    out,
  );
  return { bytesOut: (out as unknown as { bytes: number }).bytes };
}

/** Diagnostic: the same read + inflate with tar-stream parsing every header and draining every body. */
async function tarstream(pkg: string): Promise<Record<string, unknown>> {
  const { ex, counted } = await drainingExtract();
  await pipeline(fs.createReadStream(pkg, { highWaterMark: 1 << 20 }), zlib.createGunzip({ chunkSize: 1 << 20 }), ex);
  return counted();
}

/** A tar-stream extractor that parses every header and drains every body, counting entries. */
async function drainingExtract() {
  const tar = await import('tar-stream');
  const ex = tar.extract();
  let entries = 0;
  ex.on('entry', (_h, stream, next) => {
    entries++;
    stream.on('end', next);
    stream.resume();
  });
  return { ex, counted: () => ({ entries }) };
}

/**
 * Diagnostic: tar-stream alone, on the archive inflated into memory beforehand (not timed), fed
 * in 1 MiB slices: the main-thread work an extraction adds to the inflation running on zlib's thread.
 */
async function tarstreamRaw(raw: Buffer): Promise<Record<string, unknown>> {
  const { ex, counted } = await drainingExtract();
  const slices = function* () {
    for (let off = 0; off < raw.length; off += 1 << 20) yield raw.subarray(off, off + (1 << 20));
  };
  await pipeline(Readable.from(slices()), ex);
  return counted();
}

type ExtractFn = (
  pkg: string,
  version: string,
  binDir: string,
  opts?: { maxEntryBytes?: number; signal?: AbortSignal },
) => Promise<{ written: unknown; bytesRead: number; entriesSeen: number }> | { written: unknown; bytesRead: number; entriesSeen: number };

async function main(): Promise<void> {
  const [mode, ...args] = process.argv.slice(2);
  const rssBeforeKiB = Math.round(process.memoryUsage().rss / 1024);
  let details: Record<string, unknown> = {};
  let t0: bigint;
  let cpu0 = process.cpuUsage();
  switch (mode) {
    case 'inflate':
      cpu0 = process.cpuUsage();
      t0 = process.hrtime.bigint();
      details = await inflate(args[0] as string, sizeArg(args[1]), sizeArg(args[2]));
      break;
    case 'tarstream':
      cpu0 = process.cpuUsage();
      t0 = process.hrtime.bigint();
      details = await tarstream(args[0] as string);
      break;
    case 'tarstream-raw': {
      const raw = zlib.gunzipSync(fs.readFileSync(args[0] as string));
      cpu0 = process.cpuUsage();
      t0 = process.hrtime.bigint();
      details = await tarstreamRaw(raw);
      break;
    }
    case 'extract': {
      const [modulePath, pkg, version, binDir] = args as [string, string, string, string];
      const mod = (await import(pathToFileURL(modulePath).href)) as { extractScripts?: ExtractFn };
      if (typeof mod.extractScripts !== 'function') throw new Error(`${modulePath} has no extractScripts export`);
      cpu0 = process.cpuUsage();
      t0 = process.hrtime.bigint();
      const r = await mod.extractScripts(pkg, version, binDir);
      details = { written: r.written, bytesRead: r.bytesRead, entriesSeen: r.entriesSeen };
      break;
    }
    case 'noop':
      cpu0 = process.cpuUsage();
      t0 = process.hrtime.bigint();
      break;
    default:
      throw new Error(`unknown mode ${mode}`);
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const maxRssKiB = process.resourceUsage().maxRSS;
  process.stdout.write(JSON.stringify({ ms, cpuMs, maxRssKiB, rssBeforeKiB, ...details }) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
});
