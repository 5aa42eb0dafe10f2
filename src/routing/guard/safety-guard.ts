import type { GuardSpec } from '../router-spec.js';
import type { ChatRequest } from '../../spec/chat-request.js';
import type { GuardVerdict } from '../../spec/decision.js';
import type { Attempt } from '../../spec/trace.js';
import { createStructuredRequest, firstChoiceText } from '../../spec/create-chat-request.js';
import type { SignalCall, SignalModels } from '../signal-models.js';
import { llamaGuardPrompt } from './llama-guard-prompt.js';
import { flaggedCategories, moderationInputs } from './moderation-verdict.js';
import { parseLlamaGuard } from './parse-llama-guard.js';

/** What routing does after the guard: go on, answer with a block message, or take the guard's route. */
export type GuardAction = { type: 'pass' } | { type: 'block'; message: string } | { type: 'route'; route: string };

export type GuardCheck = { verdict: GuardVerdict; action: GuardAction; attempts: Attempt[] };

/** What the guard model said: the categories it flagged (none: safe) and, from a moderation endpoint, their scores; or why it gave no verdict. */
type GuardAnswer = { ok: true; flagged: string[]; scores?: Record<string, number> } | { ok: false; detail: string };

/** `safe`, or `unsafe` and a few codes: the cap bounds what a confused guard can cost. */
const MAX_TOKENS = 20;

/**
 * The router's safety guard: asks a Llama Guard model, or a moderation endpoint, about the
 * conversation before any route is chosen, through the same executor as the classifier (retries,
 * circuit breakers; its attempts are billed and traced with role `guard`). No cache: a verdict is
 * about the whole conversation.
 */
export class SafetyGuard {
  private readonly counted: ReadonlySet<string>;

  constructor(private readonly spec: GuardSpec) {
    this.counted = new Set(spec.categories);
  }

  async check(request: ChatRequest, models: SignalModels | undefined): Promise<GuardCheck> {
    const started = performance.now();
    const base = { model: this.spec.model };
    if (!models) return this.failed({ ...base, outcome: 'error', detail: 'the guard model cannot be called here (offline)' }, started, []);
    const timeout = AbortSignal.timeout(this.spec.timeoutMs);
    const call = await this.ask(request, models, timeout);
    if (!call.ok) {
      const detail = timeout.aborted ? `no answer within ${this.spec.timeoutMs} ms` : call.error.message;
      return this.failed({ ...base, outcome: timeout.aborted ? 'timeout' : 'error', detail }, started, call.attempts);
    }
    const answer = call.value;
    if (!answer.ok) return this.failed({ ...base, outcome: 'error', detail: answer.detail }, started, call.attempts);
    const latencyMs = elapsed(started);
    const categories = answer.flagged.filter((name) => this.counted.has(name));
    const ignored = answer.flagged.filter((name) => !this.counted.has(name));
    const shown = { ...(ignored.length > 0 ? { ignored } : {}), ...(answer.scores ? { scores: answer.scores } : {}) };
    if (categories.length === 0) {
      // Safe, or flagged only for categories this router does not count: the request goes on, and the Decision shows what was seen.
      return { verdict: { ...base, outcome: 'safe', categories, ...shown, passed: true, latencyMs }, action: { type: 'pass' }, attempts: call.attempts };
    }
    const onUnsafe = this.spec.onUnsafe;
    const action: GuardAction = onUnsafe.type === 'block' ? { type: 'block', message: onUnsafe.message } : { type: 'route', route: onUnsafe.route };
    return { verdict: { ...base, outcome: 'unsafe', categories, ...shown, passed: false, latencyMs }, action, attempts: call.attempts };
  }

  /** The guard model's call, read into flagged categories. */
  private async ask(request: ChatRequest, models: SignalModels, timeout: AbortSignal): Promise<SignalCall<GuardAnswer>> {
    const spec = this.spec;
    if (spec.type === 'moderation') {
      const inputs = moderationInputs(request.messages);
      // No user text (an empty conversation, images only): nothing for a text moderation to flag, and no call to pay for.
      if (inputs.length === 0) return { ok: true, value: { ok: true, flagged: [] }, attempts: [] };
      const call = await models.moderate(spec.model, inputs, timeout);
      if (!call.ok) return call;
      const scores = Object.fromEntries(spec.categories.flatMap((name) => (Object.hasOwn(call.value.scores, name) ? [[name, call.value.scores[name] as number]] : [])));
      return { ...call, value: { ok: true, flagged: flaggedCategories(call.value, spec.threshold), scores } };
    }
    const guardRequest = createStructuredRequest(spec.model, [{ role: 'user', content: llamaGuardPrompt(request.messages) }], undefined, MAX_TOKENS);
    const call = await models.classify(spec.model, guardRequest, timeout, 'guard');
    if (!call.ok) return call;
    const answer = parseLlamaGuard(firstChoiceText(call.value.choices[0]?.message.content));
    const value: GuardAnswer = !answer.ok ? answer : { ok: true, flagged: answer.safe ? [] : answer.categories };
    return { ...call, value };
  }

  /** No verdict: `fail: closed` blocks (the safety check could not run), `fail: open` lets the request through. */
  private failed(
    verdict: Pick<GuardVerdict, 'model' | 'outcome'> & { detail: string },
    started: number,
    attempts: Attempt[],
  ): GuardCheck {
    const latencyMs = elapsed(started);
    if (this.spec.fail === 'open') {
      return { verdict: { ...verdict, categories: [], passed: true, latencyMs, detail: `${verdict.detail}; passed (fail: open)` }, action: { type: 'pass' }, attempts };
    }
    return {
      verdict: { ...verdict, categories: [], passed: false, latencyMs, detail: `${verdict.detail}; blocked (fail: closed)` },
      action: { type: 'block', message: `The request was not processed: its safety check could not run (${verdict.detail}).` },
      attempts,
    };
  }
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
