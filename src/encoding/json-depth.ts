/**
 * JSON nesting depth, measured on the raw text before JSON.parse. Deep nesting is cheap to send
 * (100,000 levels are 100 KB of `[`) and recursive consumers of the parsed value (JSON.stringify,
 * canonicalisation, schema validators, structuredClone) overflow the stack on it: a 500 and a
 * wasted event-loop turn. Every JSON body the server accepts goes through checkJsonDepth first.
 *
 * Attacker-controlled input: one linear pass, no allocation, no regular expression.
 */
import { ProvenantError } from '../errors.ts';

/**
 * The deepest nesting accepted in a request body. The deepest legitimate bodies are a few levels:
 * an intoto 0.0.2 entry inside a retrieve query ({entries: [{spec: {content: {envelope:
 * {signatures: [{publicKey}]}}}}]}) is 8; dev-issuer claims and Fulcio requests are 1–3. Rekor's
 * and Fulcio's bodies stay far below; 64 leaves room for any client's extra fields.
 */
export const MAX_JSON_DEPTH = 64;

const OPEN_ARRAY = 0x5b; // [
const OPEN_OBJECT = 0x7b; // {
const CLOSE_ARRAY = 0x5d; // ]
const CLOSE_OBJECT = 0x7d; // }
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * The greatest depth of `[`/`{` nesting outside strings, or `max + 1` as soon as it exceeds `max`
 * (the scan stops there). Bytes or UTF-16 text alike: the characters that matter are ASCII, and no
 * byte of a multi-byte UTF-8 sequence (all ≥ 0x80) is one of them. Does not validate JSON: for
 * valid JSON it is the exact depth, and on invalid JSON JSON.parse fails no deeper than the valid
 * prefix it has read, whose depth this pass has counted the same way.
 */
export function jsonNestingDepth(text: Uint8Array | string, max: number): number {
  const isString = typeof text === 'string';
  const n = text.length;
  let depth = 0;
  let deepest = 0;
  let inString = false;
  // One step per input unit (an escape skips the unit it escapes): at most text.length steps.
  for (let i = 0; i < n; i++) {
    const c = isString ? text.charCodeAt(i) : text[i]!;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > max) return deepest;
      }
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return deepest;
}

/** Throws ProvenantError('invalid_argument') (400) when `text` nests deeper than `max`. */
export function checkJsonDepth(text: Uint8Array | string, max: number = MAX_JSON_DEPTH): void {
  if (jsonNestingDepth(text, max) > max) {
    throw new ProvenantError('invalid_argument', `JSON nesting exceeds the limit of ${max} levels`);
  }
}
