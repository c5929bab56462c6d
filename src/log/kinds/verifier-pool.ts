/**
 * Decoding + signature verification of proposed entries on worker threads, so that ECDSA/RSA
 * verification does not serialise on the event loop. size 0 → everything in the calling thread.
 */
import { Worker } from 'node:worker_threads';
import { ProvenantError, type ErrorCode } from '../../errors.ts';
import type { AlgorithmPolicy } from '../../crypto/verify.ts';
import type { CanonicalEntry } from './common.ts';
import { decodeProposedEntryJson } from './proposed-entry.ts';

interface Waiter {
  resolve(e: CanonicalEntry): void;
  reject(e: unknown): void;
}

export class VerifierPool {
  readonly #workers: Worker[] = [];
  readonly #waiting = new Map<number, Waiter>();
  readonly #owner = new Map<number, Worker>();
  #next = 0;
  #started = false;
  #rr = 0;

  constructor(
    readonly size: number,
    private readonly policy: AlgorithmPolicy,
  ) {}

  /** Workers start on first use: a read-only replica never pays for them (memory, start-up). */
  #start(): void {
    this.#started = true;
    for (let i = 0; i < this.size; i++) {
      const w = new Worker(new URL('./worker-entry.mjs', import.meta.url));
      w.unref();
      w.on('message', (m: { id: number; entry?: CanonicalEntry; error?: { code: ErrorCode; message: string } }) => {
        const waiter = this.#waiting.get(m.id);
        if (!waiter) return;
        this.#waiting.delete(m.id);
        this.#owner.delete(m.id);
        if (m.entry) waiter.resolve({ ...m.entry, body: new Uint8Array(m.entry.body) });
        else waiter.reject(new ProvenantError(m.error!.code, m.error!.message));
      });
      const gone = (why: string) => {
        // A dead worker fails what it held; later requests go to the others, or to this thread.
        const i = this.#workers.indexOf(w);
        if (i >= 0) this.#workers.splice(i, 1);
        for (const [id, waiter] of this.#waiting) {
          if (this.#owner.get(id) !== w) continue;
          waiter.reject(new ProvenantError('internal', `entry verifier stopped: ${why}`));
          this.#waiting.delete(id);
          this.#owner.delete(id);
        }
      };
      w.on('error', (err) => gone(err.message));
      w.on('exit', (code) => gone(`exit ${code}`));
      this.#workers.push(w);
    }
  }

  /** Decodes raw JSON request bytes into the canonical entry (throws ProvenantError). */
  decode(json: Uint8Array): Promise<CanonicalEntry> {
    if (!this.#started) this.#start();
    if (this.#workers.length === 0) {
      try {
        return Promise.resolve(decodeProposedEntryJson(json, { policy: this.policy }));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const id = this.#next++;
    const w = this.#workers[this.#rr++ % this.#workers.length]!;
    return new Promise<CanonicalEntry>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#owner.set(id, w);
      w.postMessage({ id, json, policy: this.policy });
    });
  }

  async close(): Promise<void> {
    const ws = this.#workers.splice(0);
    await Promise.all(ws.map((w) => w.terminate()));
  }
}
