/**
 * Remembers, outside the database, the newest head this instance signed, so that a database
 * restored from an older backup is detected at start-up: the server then refuses to sign rather
 * than fork the log. The file lags commits slightly (written after them), never leads them.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ProvenantError } from '../errors.ts';

export class SignedStateGuard {
  #pending: { size: bigint; root: Uint8Array } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;

  constructor(private readonly path: string) {}

  /** Throws refuse_to_sign when storage is behind (or differs from) what was signed before. */
  check(size: bigint, root: Uint8Array): void {
    let saved: { size: string; root: string };
    try {
      saved = JSON.parse(readFileSync(this.path, 'utf8'));
    } catch {
      return; // first start, or no record yet
    }
    const savedSize = BigInt(saved.size);
    if (size < savedSize) {
      throw new ProvenantError('refuse_to_sign', `storage holds ${size} entries but this instance signed a checkpoint for ${savedSize} (${this.path}); refusing to sign — was an old backup restored?`);
    }
    if (size === savedSize && Buffer.from(root).toString('hex') !== saved.root) {
      throw new ProvenantError('refuse_to_sign', `storage root at size ${size} differs from the one this instance signed (${this.path}); refusing to sign`);
    }
  }

  /**
   * Records a committed, signed head: coalesced, written shortly after, off the event loop (a
   * synchronous write here stalls every request while the disk is busy with WAL fsyncs).
   */
  remember(size: bigint, root: Uint8Array): void {
    this.#pending = { size, root };
    if (this.#timer || this.#writing) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#writeAsync();
    }, 50);
    this.#timer.unref?.();
  }

  async #writeAsync(): Promise<void> {
    const p = this.#pending;
    if (!p) return;
    this.#pending = undefined;
    const tmp = `${this.path}.tmp`;
    this.#writing = (async () => {
      try {
        await writeFile(tmp, JSON.stringify({ size: p.size.toString(), root: Buffer.from(p.root).toString('hex') }));
        await rename(tmp, this.path);
      } catch {
        // The record only ever lags; the next commit tries again.
      }
    })();
    await this.#writing;
    this.#writing = undefined;
    const next = this.#pending as { size: bigint; root: Uint8Array } | undefined;
    if (next) this.remember(next.size, next.root);
  }

  /** Writes the newest record now, synchronously (shutdown). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const p = this.#pending;
    if (!p) return;
    this.#pending = undefined;
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify({ size: p.size.toString(), root: Buffer.from(p.root).toString('hex') }));
    renameSync(tmp, this.path);
  }
}
