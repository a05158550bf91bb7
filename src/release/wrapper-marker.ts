import { constants as fsConstants, promises as fsp } from 'node:fs';

// A string that every build of this wrapper carries near its top (bin/emqx, the one-file bundle),
// so that a runner which is really this wrapper is recognised even as a copy, not only a link.
export const WRAPPER_MARKER = '@emqx-relup/wrapper';
export const ENV_PASSTHROUGH = 'EMQX_RELUP_PASSTHROUGH';

/** True when the head of a runner (its first 512 bytes) carries the marker. */
export function hasMarker(head: Buffer): boolean {
  return head.subarray(0, 512).includes(WRAPPER_MARKER);
}

/** True when the first bytes of `file` carry the marker (false when it cannot be read). */
export async function headHasMarker(file: string): Promise<boolean> {
  // Non-blocking: a FIFO planted under the runner's name must not hang us.
  const fh = await fsp.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK).catch(() => null);
  if (!fh) return false;
  try {
    const buf = Buffer.alloc(512);
    // Position null: a FIFO cannot seek (ESPIPE at position 0); a fresh descriptor starts at 0 anyway.
    const { bytesRead } = await fh.read(buf, 0, buf.length, null);
    return hasMarker(buf.subarray(0, bytesRead));
  } catch {
    // A FIFO with a writer but no data yet (EAGAIN), a directory (EISDIR): not a readable wrapper.
    return false;
  } finally {
    await fh.close();
  }
}
