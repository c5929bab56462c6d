/**
 * Decoding + signature verification of proposed entries (attacker-supplied bytes) on worker threads,
 * so that neither parsing nor ECDSA/RSA verification runs on the event loop.
 *
 * Bounded: each worker runs one job at a time under a deadline; jobs wait in a bounded queue; a
 * worker that crashes or overruns its deadline is terminated and replaced on the next job. Nothing
 * ever falls back to the calling thread: `size: 0` (decode in the calling thread, no deadline) is an
 * explicit configuration for tests and embedding, never a degraded mode.
 */
import { Worker } from 'node:worker_threads';
import { ProvenantError, type ErrorCode } from '../../errors.ts';
import type { AlgorithmPolicy } from '../../crypto/verify.ts';
import type { CanonicalEntry } from './common.ts';
import { decodeProposedEntryJson } from './proposed-entry.ts';
import type { VerifyReply, VerifyRequest } from './worker.ts';

/** Per-job deadline default: with the per-entry budgets a valid entry takes milliseconds. */
export const DEFAULT_JOB_DEADLINE_MS = 2000;
/** Jobs waiting for a worker (beyond those running) default: a retrieve of 10 entries fits 6 times. */
export const DEFAULT_MAX_QUEUED_JOBS = 64;
/** A worker that has not loaded within this long is replaced (tsx compiles on first load). */
const WORKER_START_DEADLINE_MS = 30_000;
/** Retry-After of every 503 the pool answers. */
const RETRY_AFTER_SECONDS = 1;

export interface VerifierPoolOptions {
  /** Worker threads. 0: decode in the calling thread, without deadline (tests only). */
  readonly size: number;
  readonly policy: AlgorithmPolicy;
  /** A job running longer than this is abandoned (503) and its worker terminated. */
  readonly jobDeadlineMs?: number;
  /** Jobs that may wait for a free worker; one more is refused with 503 + Retry-After. */
  readonly maxQueuedJobs?: number;
  /** Told of each worker crash or timeout (for the log); the caller's job is answered regardless. */
  readonly onWorkerFault?: (what: 'crash' | 'timeout' | 'start', detail: string) => void;
  /** Test only: another worker script speaking the same protocol (fault injection). */
  readonly workerUrl?: URL;
}

interface Job {
  readonly id: number;
  readonly json: Uint8Array;
  resolve(e: CanonicalEntry): void;
  reject(e: unknown): void;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  job: Job | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Set once the pool has let go of this worker (terminated, crashed or closing). */
  retired: boolean;
  /** The worker's uncaught exception, reported with its exit. */
  error: string | undefined;
}

const unavailable = (message: string) => new ProvenantError('unavailable', message, { retryAfterSeconds: RETRY_AFTER_SECONDS });

export class VerifierPool {
  readonly size: number;
  readonly #policy: AlgorithmPolicy;
  readonly #deadlineMs: number;
  readonly #maxQueued: number;
  readonly #onFault: NonNullable<VerifierPoolOptions['onWorkerFault']>;
  readonly #workerUrl: URL;
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  #nextId = 0;
  #closed = false;

  constructor(o: VerifierPoolOptions) {
    const int = (name: string, v: number, min: number) => {
      if (!Number.isInteger(v) || v < min) throw new RangeError(`verifier pool ${name} must be an integer ≥ ${min}, got ${v}`);
      return v;
    };
    this.size = int('size', o.size, 0);
    this.#policy = o.policy;
    this.#deadlineMs = int('jobDeadlineMs', o.jobDeadlineMs ?? DEFAULT_JOB_DEADLINE_MS, 1);
    this.#maxQueued = int('maxQueuedJobs', o.maxQueuedJobs ?? DEFAULT_MAX_QUEUED_JOBS, 0);
    this.#onFault = o.onWorkerFault ?? (() => undefined);
    this.#workerUrl = o.workerUrl ?? new URL('./worker-entry.mjs', import.meta.url);
  }

  /** Decodes raw JSON request bytes into the canonical entry (rejects with ProvenantError). */
  decode(json: Uint8Array): Promise<CanonicalEntry> {
    if (this.#closed) return Promise.reject(unavailable('the entry verifier is shutting down'));
    if (this.size === 0) {
      try {
        return Promise.resolve(decodeProposedEntryJson(json, { policy: this.#policy }));
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const idle = this.#slots.some((slot) => slot.ready && slot.job === undefined);
    if (!idle && this.#queue.length >= this.#maxQueued) {
      return Promise.reject(unavailable(`entry verification queue is full (${this.#maxQueued} waiting); retry later`));
    }
    return new Promise<CanonicalEntry>((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, json, resolve, reject });
      this.#pump();
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(unavailable('the entry verifier is shutting down'));
    const slots = this.#slots.splice(0);
    for (const s of slots) {
      const job = this.#release(s);
      job?.reject(unavailable('the entry verifier is shutting down'));
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  /** Hands queued jobs to idle workers, starting workers (up to `size`) while jobs wait. */
  #pump(): void {
    if (this.#closed) return;
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (slot.ready && slot.job === undefined) this.#run(slot, this.#queue.shift() as Job);
    }
    const starting = this.#slots.filter((s) => !s.ready).length;
    for (let n = Math.min(this.#queue.length - starting, this.size - this.#slots.length); n > 0; n--) this.#spawn();
  }

  #run(slot: Slot, job: Job): void {
    slot.job = job;
    slot.worker.ref(); // a running job keeps the process alive; an idle worker does not
    // Timeout → 503, not 400: with the per-entry budgets no entry needs anywhere near the deadline,
    // so overrunning it means the host is overloaded (or a bug), not that the entry is invalid — a 400
    // would wrongly tell an honest client its entry is bad; 503 + Retry-After is the truthful answer.
    slot.timer = setTimeout(() => {
      this.#onFault('timeout', `job ${job.id} ran over ${this.#deadlineMs} ms; worker terminated`);
      this.#retire(slot);
      job.reject(unavailable(`entry verification did not finish within ${this.#deadlineMs} ms; retry later`));
    }, this.#deadlineMs);
    const msg: VerifyRequest = { id: job.id, json: job.json, policy: this.#policy };
    slot.worker.postMessage(msg);
  }

  #spawn(): void {
    const worker = new Worker(this.#workerUrl);
    const slot: Slot = { worker, ready: false, job: undefined, timer: undefined, retired: false, error: undefined };
    this.#slots.push(slot);
    slot.timer = setTimeout(() => {
      this.#onFault('start', `worker did not start within ${WORKER_START_DEADLINE_MS} ms`);
      this.#retire(slot);
      this.#failQueueIfNoWorker('the entry verifier did not start; retry later');
    }, WORKER_START_DEADLINE_MS);
    slot.timer.unref();
    worker.on('message', (m: VerifyReply) => this.#onMessage(slot, m));
    // An uncaught exception in the worker; 'exit' follows and does the accounting.
    worker.on('error', (err) => void (slot.error = err.message));
    worker.on('exit', (code) => {
      if (slot.retired) return;
      const wasReady = slot.ready;
      const job = this.#release(slot);
      this.#remove(slot);
      this.#onFault(wasReady ? 'crash' : 'start', `worker exited with code ${code}${slot.error === undefined ? '' : `: ${slot.error}`}`);
      job?.reject(unavailable(`entry verifier stopped (exit code ${code}); retry later`));
      // A worker that cannot even start would be respawned for ever by the queue: fail the queue instead.
      if (!wasReady) this.#failQueueIfNoWorker('the entry verifier failed to start; retry later');
      this.#pump();
    });
  }

  #onMessage(slot: Slot, m: VerifyReply): void {
    if (slot.retired) return;
    if ('ready' in m) {
      clearTimeout(slot.timer);
      slot.timer = undefined;
      slot.ready = true;
      slot.worker.unref();
      this.#pump();
      return;
    }
    const job = slot.job;
    if (job === undefined || job.id !== m.id) return; // a late answer to a job already abandoned
    this.#release(slot, false);
    if ('entry' in m) job.resolve({ ...m.entry, body: new Uint8Array(m.entry.body) });
    else job.reject(new ProvenantError(m.error.code as ErrorCode, m.error.message));
    this.#pump();
  }

  /** Detaches the running job (returned) and its timer; `retire`: the worker is done for. */
  #release(slot: Slot, retire = true): Job | undefined {
    const job = slot.job;
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.job = undefined;
    if (retire) slot.retired = true;
    else slot.worker.unref();
    return job;
  }

  /** Terminates a worker the pool gives up on (stuck or not starting); the next job gets a new one. */
  #retire(slot: Slot): void {
    this.#release(slot);
    this.#remove(slot);
    void slot.worker.terminate();
    this.#pump();
  }

  #remove(slot: Slot): void {
    const i = this.#slots.indexOf(slot);
    if (i >= 0) this.#slots.splice(i, 1);
  }

  #failQueueIfNoWorker(message: string): void {
    if (this.#slots.some((s) => s.ready)) return;
    for (const job of this.#queue.splice(0)) job.reject(unavailable(message));
  }
}
