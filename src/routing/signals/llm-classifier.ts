import type { ClassifierSpec } from '../router-spec.js';
import type { ChatResult } from '../../spec/chat-result.js';
import type { Classification } from '../../spec/decision.js';
import type { ModelSpec } from '../../spec/model-spec.js';
import type { Attempt } from '../../spec/trace.js';
import { createStructuredRequest, firstChoiceText } from '../../spec/create-chat-request.js';
import { createHash } from 'node:crypto';
import { LruCache } from '../../util/lru-cache.js';
import type { SignalModels } from '../signal-models.js';
import type { SharedAnswers } from './shared-answers.js';

type LlmClassifierSpec = Extract<ClassifierSpec, { type: 'llm' }>;

/** A route the classifier may name, with what it is for. */
export type Label = { name: string; description: string | undefined };

export type ClassifierAnswer = { classification: Classification; attempts: Attempt[] };

const DEFAULT_INSTRUCTIONS = `You are the router of an AI gateway. Read the user's message and decide which route should answer it.
Routes:
{routes}

Answer with the name of exactly one route and nothing else. Do not answer the message itself.`;

/** Longest answer quoted back in the Decision when it names no route. */
const QUOTE_LIMIT = 80;

/**
 * "Classify with a cheap model, answer with the right one": a catalog model gets the routes with
 * their descriptions and names one. Structured output with an enum where the model supports it,
 * strict parsing of a bare name otherwise. Bounded in time; answers cached by text, and
 * concurrent requests with the same text share one call.
 */
export class LlmClassifier {
  private readonly cache: LruCache<string>;
  private readonly pending = new Map<string, Promise<ClassifierAnswer>>();
  private readonly byLowerName: ReadonlyMap<string, string>;
  private readonly instructions: string;
  /** The enum of route names, when the model is known to support structured output. */
  private readonly schema: { name: string; schema: Record<string, unknown> } | undefined;
  /** The answers other gateways got, when the state is shared and this classifier caches. */
  private readonly shared: SharedAnswers | undefined;
  /** Names this classifier's answers in the shared cache: another model, prompt or route list misses. */
  private readonly namespace: string;

  constructor(
    private readonly spec: LlmClassifierSpec,
    private readonly labels: readonly Label[],
    model: ModelSpec,
    shared?: SharedAnswers,
  ) {
    this.cache = new LruCache(spec.cache.size, spec.cache.ttlMs);
    this.byLowerName = new Map(labels.map((label) => [label.name.toLowerCase(), label.name]));
    const list = labels.map((label) => `- ${label.name}${label.description ? `: ${label.description}` : ''}`).join('\n');
    const template = spec.prompt ?? DEFAULT_INSTRUCTIONS;
    this.instructions = template.includes('{routes}') ? template.replace('{routes}', list) : `${template}\n\nRoutes:\n${list}`;
    // Unknown support is not assumed: an unsupported response_format would fail every call.
    this.schema = model.capabilities.jsonSchema === true ? routeSchema(labels) : undefined;
    this.shared = spec.cache.size > 0 && spec.cache.ttlMs > 0 ? shared : undefined;
    this.namespace = createHash('sha256').update(`${spec.model}\0${this.instructions}\0${this.schema ? 'json' : 'text'}`).digest('hex').slice(0, 16);
  }

  get model(): string {
    return this.spec.model;
  }

  async classify(text: string, models: SignalModels): Promise<ClassifierAnswer> {
    const key = text.slice(0, this.spec.maxChars);
    const cached = this.cache.get(key);
    if (cached !== undefined) return { classification: { model: this.spec.model, outcome: 'cached', label: cached }, attempts: [] };
    const shared = this.pending.get(key);
    // Another request is asking about the same text right now: its answer is ours, its cost is its own.
    if (shared) return shared.then((answer) => ({ classification: sharedOutcome(answer.classification), attempts: [] }));
    // Bounded by its own timeout, not by this client: other requests may be waiting on the same answer.
    const call = this.shared ? this.askShared(key, models, this.shared) : this.ask(key, models);
    this.pending.set(key, call);
    try {
      const answer = await call;
      const { outcome, label } = answer.classification;
      if ((outcome === 'ok' || outcome === 'cached') && label !== null) this.cache.set(key, label);
      return answer;
    } finally {
      this.pending.delete(key);
    }
  }

  /** Another gateway may have asked already: its label (checked against this router's routes); else a call whose label the others may use. */
  private async askShared(text: string, models: SignalModels, shared: SharedAnswers): Promise<ClassifierAnswer> {
    const stored = await shared.get(this.namespace, text);
    const label = stored === undefined ? undefined : this.byLowerName.get(stored.toLowerCase());
    if (label !== undefined) return { classification: { model: this.spec.model, outcome: 'cached', label }, attempts: [] };
    const answer = await this.ask(text, models);
    if (answer.classification.outcome === 'ok' && answer.classification.label !== null) shared.set(this.namespace, text, answer.classification.label, this.spec.cache.ttlMs);
    return answer;
  }

  private async ask(text: string, models: SignalModels): Promise<ClassifierAnswer> {
    const timeout = AbortSignal.timeout(this.spec.timeoutMs);
    const request = createStructuredRequest(
      this.spec.model,
      [
        { role: 'system', content: this.instructions },
        { role: 'user', content: text },
      ],
      this.schema,
      MAX_TOKENS,
    );
    const call = await models.classify(this.spec.model, request, timeout);
    const base = { model: this.spec.model };
    if (!call.ok) {
      if (timeout.aborted) {
        return { classification: { ...base, outcome: 'timeout', label: null, detail: `no answer within ${this.spec.timeoutMs} ms` }, attempts: call.attempts };
      }
      return { classification: { ...base, outcome: 'error', label: null, detail: call.error.message }, attempts: call.attempts };
    }
    const answer = answerText(call.value);
    const label = this.parse(answer);
    if (label === undefined) {
      const quoted = answer.length > QUOTE_LIMIT ? `${answer.slice(0, QUOTE_LIMIT)}…` : answer;
      return {
        classification: { ...base, outcome: 'unknown_label', label: null, detail: `answered ${JSON.stringify(quoted)}, which names no route` },
        attempts: call.attempts,
      };
    }
    return { classification: { ...base, outcome: 'ok', label }, attempts: call.attempts };
  }

  /** `{"route": "x"}`, or the bare name (quotes, backticks and a final period tolerated, case ignored). */
  private parse(answer: string): string | undefined {
    const trimmed = answer.trim();
    if (trimmed.startsWith('{')) {
      try {
        const json: unknown = JSON.parse(trimmed);
        const route = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['route'] : undefined;
        return typeof route === 'string' ? this.byLowerName.get(route.trim().toLowerCase()) : undefined;
      } catch {
        return undefined;
      }
    }
    const bare = trimmed.replace(/^["'`*\s]+|["'`*.\s]+$/g, '').toLowerCase();
    return this.byLowerName.get(bare);
  }
}

/** A route name is a few tokens; the cap bounds what a confused model can cost. */
const MAX_TOKENS = 32;

function routeSchema(labels: readonly Label[]): { name: string; schema: Record<string, unknown> } {
  return {
    name: 'route',
    schema: {
      type: 'object',
      properties: { route: { type: 'string', enum: labels.map((label) => label.name) } },
      required: ['route'],
      additionalProperties: false,
    },
  };
}

function sharedOutcome(classification: Classification): Classification {
  return classification.outcome === 'ok' ? { ...classification, outcome: 'cached' } : classification;
}

function answerText(result: ChatResult): string {
  return firstChoiceText(result.choices[0]?.message.content);
}
