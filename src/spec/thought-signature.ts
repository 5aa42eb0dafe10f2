import { isRecord, readString } from '../util/json-guards.js';

/**
 * Where the canonical request and result keep a Gemini thought signature: on a tool call (or an
 * assistant message, for a text part's) as `extra_content: { google: { thought_signature } }`,
 * the shape Gemini's own OpenAI-compatible endpoint uses, so a Chat Completions client that sends
 * the turn back as it came round-trips it. Only Gemini can verify one.
 */
export type ThoughtSignatureExtra = { extra_content: { google: { thought_signature: string } } };

/** The signature an item (a tool call, an assistant message) carries, if any. */
export function thoughtSignatureOf(item: Readonly<Record<string, unknown>>): string | undefined {
  const extra = item['extra_content'];
  const google = isRecord(extra) ? extra['google'] : undefined;
  return isRecord(google) ? readString(google['thought_signature']) : undefined;
}

/** The field that carries `signature`, to spread into a tool call or message. */
export function thoughtSignatureExtra(signature: string): ThoughtSignatureExtra {
  return { extra_content: { google: { thought_signature: signature } } };
}
