import type { GuardSpec } from '../router-spec.js';
import type { ChatRequest } from '../../spec/chat-request.js';
import type { GuardVerdict } from '../../spec/decision.js';
import type { Attempt } from '../../spec/trace.js';
import { createStructuredRequest, firstChoiceText } from '../../spec/create-chat-request.js';
import type { SignalModels } from '../signal-models.js';
import { llamaGuardPrompt } from './llama-guard-prompt.js';
import { parseLlamaGuard } from './parse-llama-guard.js';

/** What routing does after the guard: go on, answer with a block message, or take the guard's route. */
export type GuardAction = { type: 'pass' } | { type: 'block'; message: string } | { type: 'route'; route: string };

export type GuardCheck = { verdict: GuardVerdict; action: GuardAction; attempts: Attempt[] };

/** `safe`, or `unsafe` and a few codes: the cap bounds what a confused guard can cost. */
const MAX_TOKENS = 20;

/**
 * The router's safety guard: asks a Llama Guard model about the conversation before any route is
 * chosen, through the same executor as the classifier (retries, circuit breakers; its attempts are
 * billed and traced with role `guard`). No cache: a verdict is about the whole conversation.
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
    const guardRequest = createStructuredRequest(this.spec.model, [{ role: 'user', content: llamaGuardPrompt(request.messages) }], undefined, MAX_TOKENS);
    const call = await models.classify(this.spec.model, guardRequest, timeout, 'guard');
    if (!call.ok) {
      const detail = timeout.aborted ? `no answer within ${this.spec.timeoutMs} ms` : call.error.message;
      return this.failed({ ...base, outcome: timeout.aborted ? 'timeout' : 'error', detail }, started, call.attempts);
    }
    const answer = parseLlamaGuard(firstChoiceText(call.value.choices[0]?.message.content));
    if (!answer.ok) return this.failed({ ...base, outcome: 'error', detail: answer.detail }, started, call.attempts);
    const latencyMs = elapsed(started);
    if (answer.safe) return { verdict: { ...base, outcome: 'safe', categories: [], passed: true, latencyMs }, action: { type: 'pass' }, attempts: call.attempts };
    const categories = answer.categories.filter((code) => this.counted.has(code));
    const ignored = answer.categories.filter((code) => !this.counted.has(code));
    const shown = ignored.length > 0 ? { ignored } : {};
    if (categories.length === 0) {
      // Flagged only for categories this router does not count: the request goes on, and the Decision shows what was seen.
      return { verdict: { ...base, outcome: 'safe', categories, ...shown, passed: true, latencyMs }, action: { type: 'pass' }, attempts: call.attempts };
    }
    const onUnsafe = this.spec.onUnsafe;
    const action: GuardAction = onUnsafe.type === 'block' ? { type: 'block', message: onUnsafe.message } : { type: 'route', route: onUnsafe.route };
    return { verdict: { ...base, outcome: 'unsafe', categories, ...shown, passed: false, latencyMs }, action, attempts: call.attempts };
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
