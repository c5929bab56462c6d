import type { KeyObject } from 'node:crypto';
import { type Clock, MonotonicSeconds } from '../clock.ts';
import { ProvenantError } from '../errors.ts';
import { randomSerialNumber, type SigningAlgorithm, signingAlgorithmFor } from '../x509/algorithms.ts';
import { certificatesToPem, type Certificate } from '../x509/certificate.ts';
import { validateTsaChain } from '../x509/tsa-profile.ts';
import { isValidOid } from './json-request.ts';
import { invalid, type TimestampRequest } from './request.ts';
import { createTokenEncoder } from './token.ts';

export type { Clock };

/**
 * Persists the newest genTime issued, so a restart with a clock that went backwards (or a restored
 * VM snapshot) is detected. Implementations: a row in Postgres, a file.
 */
export interface GenTimeStore {
  /** The newest genTime ever recorded, or undefined. Called once, before the first token. */
  load(): Promise<Date | undefined>;
  /** Records `genTime` (whole seconds, increasing). MUST NOT resolve until the value is durable. */
  save(genTime: Date): Promise<void>;
}

/** Sigstore's default policy (timestamp-authority --default-policy-oid). */
export const SIGSTORE_TSA_POLICY = '1.3.6.1.4.1.57264.2';

export interface TimestampAuthorityOptions {
  /** leaf, intermediates…, root; validated with validateTsaChain at construction. */
  readonly chain: readonly Certificate[];
  /** The leaf's private key. */
  readonly privateKey: KeyObject;
  readonly clock: Clock;
  /** `default` goes into tokens whose request names no policy, and is always accepted. */
  readonly policies: { readonly default: string; readonly accepted: readonly string[] };
  /**
   * TSTInfo accuracy, whole seconds ≥ 1: the true time lies within genTime ± accuracy. genTime is
   * truncated to the second (up to 1 s early), so this must also cover the host clock's error
   * bound (NTP-disciplined: milliseconds; 1 s is Sigstore's value).
   */
  readonly accuracySeconds: number;
  readonly lastGenTimeStore?: GenTimeStore;
  /** With certReq, embed leaf + intermediates + root instead of the leaf alone. Default false. */
  readonly includeChainInResponse?: boolean;
}

export interface TimestampAuthority {
  /**
   * Issues a DER TimeStampResp (status granted) for a validated request. Throws
   * ProvenantError('invalid_argument') for a policy not accepted, and 'refuse_to_sign' when the
   * clock cannot be trusted: it reads earlier than a genTime already issued (in this process or as
   * recorded in the store), it lies outside the leaf's validity, or the store cannot record it.
   */
  issue(request: TimestampRequest): Promise<Uint8Array>;
  /** leaf, intermediates…, root */
  readonly chain: readonly Certificate[];
  /** The chain as concatenated PEM, leaf first (GET /api/v1/timestamp/certchain). */
  readonly chainPem: string;
  readonly signingAlgorithm: SigningAlgorithm;
  readonly policies: { readonly default: string; readonly accepted: readonly string[] };
  readonly accuracySeconds: number;
}

export function createTimestampAuthority(options: TimestampAuthorityOptions): TimestampAuthority {
  const { chain, privateKey, clock, lastGenTimeStore: store } = options;
  const config = (message: string) => new ProvenantError('invalid_argument', `TSA configuration: ${message}`);
  if (!isValidOid(options.policies.default)) throw config(`default policy ${JSON.stringify(options.policies.default)} is not an OID`);
  for (const p of options.policies.accepted) if (!isValidOid(p)) throw config(`accepted policy ${JSON.stringify(p)} is not an OID`);
  if (!Number.isSafeInteger(options.accuracySeconds) || options.accuracySeconds < 1) {
    throw config(`accuracySeconds must be a whole number ≥ 1 (genTime is truncated to the second), got ${options.accuracySeconds}`);
  }
  validateTsaChain(chain, { now: clock.now(), privateKey });
  const leaf = chain[0]!;
  const signingAlgorithm = signingAlgorithmFor(privateKey);
  const encode = createTokenEncoder({
    chain,
    privateKey,
    algorithm: signingAlgorithm,
    includeChainInResponse: options.includeChainInResponse ?? false,
  });
  const accepted = new Set([options.policies.default, ...options.policies.accepted]);
  const policies = Object.freeze({ default: options.policies.default, accepted: Object.freeze([...accepted]) });

  // Newest genTime issued (its floor), in whole seconds since the epoch. Invariant: no token with a
  // smaller genTime is issued after one with this genTime.
  const genTimes = new MonotonicSeconds(clock, 'TSA', 'a timestamp for');
  let loaded: Promise<void> | undefined = store === undefined ? Promise.resolve() : undefined;
  let loadDone = store === undefined;
  // The latest save; every token waits for the save covering its own second (or a later one).
  let saved: Promise<void> = Promise.resolve();

  const load = (): Promise<void> => {
    loaded ??= (async () => {
      let last: Date | undefined;
      try {
        last = await store!.load();
      } catch (e) {
        loaded = undefined; // retry on the next request
        throw new ProvenantError('refuse_to_sign', 'TSA: cannot read the last issued genTime', { cause: e });
      }
      if (last !== undefined) genTimes.raiseTo(Math.floor(last.getTime() / 1000));
      loadDone = true;
    })();
    return loaded;
  };

  return {
    chain,
    chainPem: certificatesToPem(chain),
    signingAlgorithm,
    policies,
    accuracySeconds: options.accuracySeconds,

    async issue(request: TimestampRequest): Promise<Uint8Array> {
      const policy = request.policy ?? policies.default;
      if (!accepted.has(policy)) {
        throw invalid(`unaccepted policy: requested TSA policy ${policy} is not supported by the TSA (accepted: ${policies.accepted.join(', ')})`);
      }
      if (!loadDone) await load();

      // From here to raising the floor there is no await: the check and the update are atomic.
      const second = genTimes.read();
      const genTime = new Date(second * 1000);
      if (genTime < leaf.notBefore || genTime > leaf.notAfter) {
        throw new ProvenantError(
          'refuse_to_sign',
          `TSA: ${genTime.toISOString()} is outside the validity of the TSA certificate (${leaf.notBefore.toISOString()} to ${leaf.notAfter.toISOString()})`,
        );
      }
      if (genTimes.raiseTo(second) && store !== undefined) {
        const save = () => store.save(genTime);
        saved = saved.then(save, save);
      }
      if (store !== undefined) {
        try {
          await saved;
        } catch (e) {
          throw new ProvenantError('refuse_to_sign', 'TSA: cannot record the last issued genTime', { cause: e });
        }
      }
      return encode({ request, policy, genTime, serialNumber: randomSerialNumber(), accuracySeconds: options.accuracySeconds });
    },
  };
}
