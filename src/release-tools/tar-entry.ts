// Writing tar members with tar-stream: one entry at a time with back-pressure, and reading a
// member's body into memory up to a bound (the scripts and metadata pack keeps).
export async function collect(body: AsyncIterable<Buffer>, limit: number, onChunk?: (b: Buffer) => Promise<void>): Promise<Buffer | null> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of body) {
    if (onChunk) await onChunk(chunk);
    n += chunk.length;
    if (n <= limit) parts.push(chunk);
  }
  return n <= limit ? Buffer.concat(parts, n) : null;
}

export type TarPack = import('tar-stream').Pack;
export interface EntryHeader {
  name: string;
  type: string;
  mode: number;
  size: number;
  linkname?: string;
  mtime: Date;
  uid: 0;
  gid: 0;
}

/** Writes one member to a tar-stream pack, honouring back-pressure; resolves once it is fully in. */
export function writeEntry(pack: TarPack, header: EntryHeader, body: AsyncIterable<Buffer> | Buffer | null, tap?: (b: Buffer) => void): Promise<void> {
  return new Promise<void>((resolveEntry, reject) => {
    const sink = pack.entry(header as never, (err?: Error | null) => (err ? reject(err) : resolveEntry()));
    // A failure reaches the caller through reject(); the destroyed sink must not also throw it.
    sink.on('error', () => {});
    if (body === null) return;
    if (Buffer.isBuffer(body)) {
      sink.end(body);
      return;
    }
    (async () => {
      for await (const chunk of body) {
        tap?.(chunk);
        if (!sink.write(chunk)) await new Promise<void>((r) => sink.once('drain', () => r()));
      }
      (sink as unknown as { end(): void }).end();
    })().catch((e) => {
      sink.destroy(e as Error);
      reject(e);
    });
  });
}

