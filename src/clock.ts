/**
 * Time for everything that signs it: the injected clock, and the one guard that refuses to sign a
 * time earlier than one already signed (the TSA's genTime, the log's integratedTime). Pure: no
 * server, database or logger.
 */
import { ProvenantError } from './errors.ts';

export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };

/**
 * Whole seconds since the epoch that never go backwards. The floor is the newest second already
 * signed: by this process (every next()), or recorded elsewhere (raiseTo: a stored genTime, the
 * newest stored entry's integratedTime). A clock that reads earlier than the floor — stepped back,
 * or a restored VM snapshot — is refused rather than signed.
 */
export class MonotonicSeconds {
  #floor = -Infinity;

  /** For messages: `what` names the signer ("TSA"), `signed` what carries the time ("a timestamp for"). */
  constructor(
    private readonly clock: Clock,
    private readonly what: string,
    private readonly signed: string,
  ) {}

  /** The newest second signed or recorded; -Infinity before any. */
  get floor(): number {
    return this.#floor;
  }

  /** Raises the floor to a second signed before (never lowers it); true when it moved. */
  raiseTo(second: number): boolean {
    if (!(second > this.#floor)) return false;
    this.#floor = second;
    return true;
  }

  /**
   * The clock's current whole second, not earlier than the floor. Throws ProvenantError
   * ('refuse_to_sign') when the clock returns an invalid time or reads earlier than the floor.
   * The caller signs it and raises the floor to it with no await in between (check and update are
   * then atomic); a caller with further checks on the time (a certificate's validity) makes them
   * first.
   */
  read(): number {
    const nowMs = this.clock.now().getTime();
    if (!Number.isFinite(nowMs)) throw new ProvenantError('refuse_to_sign', `${this.what}: the clock returned an invalid time`);
    const second = Math.floor(nowMs / 1000);
    if (second < this.#floor) {
      throw new ProvenantError(
        'refuse_to_sign',
        `${this.what}: the clock went backwards (it reads ${new Date(second * 1000).toISOString()}, but ${this.signed} ${new Date(this.#floor * 1000).toISOString()} was already signed); refusing to sign`,
      );
    }
    return second;
  }
}
