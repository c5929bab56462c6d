/**
 * The signed-state record: the newest head this instance signed, kept outside the database
 * (DATA_DIR/signed-state-<tree>.json), so that a database restored from an older backup or failed
 * over to a lagging replica is detected — at start-up and while running — and the server refuses
 * to sign rather than fork the log (sign-guard.ts).
 *
 * Order and durability: a head is recorded (temporary file written and fsynced, renamed over the
 * record, directory fsynced, read back) after its transaction committed and before its checkpoint
 * is served or any caller is acknowledged. A crash in between leaves the record one batch behind
 * the database — never ahead of it, and never behind anything a client has seen. The record never
 * moves backwards.
 *
 * Only a missing file means "no record yet". An unreadable or corrupt record stops start-up (a
 * guard that silently switches itself off is worse than none); the documented override is a
 * deliberate operator action that re-seeds the record from the newest head in storage.
 */
import { readFileSync } from 'node:fs';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { bytesEqual } from '../merkle/index.ts';
import { assertNotBehind, RefuseToSign, type SignedHead } from './sign-guard.ts';
import type { Head } from './store.ts';

/** The override, read by config.ts: set to 1 for one start to re-seed unreadable or stale records. */
export const RESEED_SIGNED_STATE_ENV = 'PROVENANT_RESEED_SIGNED_STATE';

export interface SignedStateOptions {
  /**
   * The override: do not read the record; re-seed it at start-up from the newest head in storage
   * (after the checks against the newest stored checkpoint). For one start, after checking that the
   * database holds everything this instance signed — or to accept a deliberate rollback.
   */
  reseed?: boolean;
}

/** {"size":"<decimal>","root":"<64 hex>"} */
const SIZE_RE = /^(0|[1-9][0-9]{0,19})$/;
const ROOT_RE = /^[0-9a-f]{64}$/;

function parseRecord(text: string): Head | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    if (e instanceof SyntaxError) return undefined;
    throw e;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const { size, root } = v as Record<string, unknown>;
  if (typeof size !== 'string' || typeof root !== 'string' || !SIZE_RE.test(size) || !ROOT_RE.test(root)) return undefined;
  return { size: BigInt(size), root: new Uint8Array(Buffer.from(root, 'hex')) };
}

const format = (h: Head) => JSON.stringify({ size: h.size.toString(), root: Buffer.from(h.root).toString('hex') });

export class SignedStateGuard {
  #loaded = false;
  #newest: SignedHead | undefined;
  #writing = false;

  constructor(
    readonly path: string,
    private readonly opts: SignedStateOptions = {},
  ) {}

  get reseeding(): boolean {
    return this.opts.reseed === true;
  }

  /** The newest recorded head (after load()). */
  get newest(): SignedHead | undefined {
    return this.#newest;
  }

  #source(): string {
    return `the signed-state record ${this.path}`;
  }

  #unusable(what: string, cause?: unknown): RefuseToSign {
    return new RefuseToSign(
      'record',
      `the signed-state record ${this.path} ${what}. Refusing to start: without it, a database restored from an older backup could fork the log. ` +
        `If the database holds everything this instance signed (or you accept a deliberate rollback), set ${RESEED_SIGNED_STATE_ENV}=1 for one start to re-seed the record from the newest checkpoint in storage.`,
      cause,
    );
  }

  /**
   * Reads the record, once, at start-up. undefined when there is none yet (ENOENT) or when
   * re-seeding. Throws RefuseToSign naming the file and the override when it cannot be read or
   * does not parse.
   */
  load(): SignedHead | undefined {
    this.#loaded = true;
    if (this.reseeding) return undefined;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // first start: no record yet
      throw this.#unusable(`cannot be read (${(e as Error).message})`, e);
    }
    const head = parseRecord(text);
    if (!head) throw this.#unusable(`is corrupt (expected {"size":"<decimal>","root":"<64 hex digits>"}, found ${JSON.stringify(text.slice(0, 120))})`);
    this.#newest = { ...head, source: this.#source() };
    return this.#newest;
  }

  /**
   * Records a signed head durably; resolves only once it is on disk and reads back the same. The
   * same head again is a no-op; a smaller head, or another root for the recorded size, throws
   * RefuseToSign (the record never moves backwards). Any I/O failure throws: the caller must then
   * not serve the head. Callers are serialised (the sequencer records one batch at a time).
   */
  async record(head: Head): Promise<void> {
    if (!this.#loaded) throw new Error(`the signed-state record ${this.path} is written before it was read`);
    if (this.#writing) throw new Error(`concurrent writes of the signed-state record ${this.path}`);
    const cur = this.#newest;
    if (cur) {
      assertNotBehind(head, cur, 'the head to record');
      if (head.size === cur.size) return;
    }
    this.#writing = true;
    try {
      const text = format(head);
      const tmp = `${this.path}.tmp`;
      await mkdir(dirname(this.path), { recursive: true });
      const f = await open(tmp, 'w', 0o644);
      try {
        await f.writeFile(text);
        await f.sync();
      } finally {
        await f.close();
      }
      await rename(tmp, this.path);
      // The rename is durable only once the directory entry is.
      const d = await open(dirname(this.path), 'r');
      try {
        await d.sync();
      } finally {
        await d.close();
      }
      const back = parseRecord(await readFile(this.path, 'utf8'));
      if (!back || back.size !== head.size || !bytesEqual(back.root, head.root)) {
        throw new Error(`the signed-state record ${this.path} reads back differently than it was written`);
      }
      this.#newest = { size: head.size, root: new Uint8Array(head.root), source: this.#source() };
    } catch (e) {
      throw new RefuseToSign('record', `cannot write the signed-state record ${this.path}: ${(e as Error).message}; refusing to serve a checkpoint it does not cover`, e);
    } finally {
      this.#writing = false;
    }
  }
}
