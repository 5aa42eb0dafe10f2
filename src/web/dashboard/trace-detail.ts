import type { ErrorInfo, Signal, Trace, Usage } from './api-types.js';
import { ApiError, NeedKeyError, api } from './api.js';
import { append, el, fill, svg, type Child } from './dom.js';
import { fmtDuration, fmtInt, fmtMs, fmtPct, fmtScore, fmtTime, fmtUsd, isNum, routeName, savingsRatio } from './format.js';
import { handleError, hideBanner } from './key-flow.js';
import { closeTrace } from './navigation.js';
import { state } from './state.js';
import { paletteColor } from './stats-view.js';

/** A trace's decision step by step: what was asked, what fired, where it went, every call, the outcome. */
export async function showTrace(id: string): Promise<void> {
  const seq = ++state.detailSeq;
  const view = document.getElementById('detail-view') as HTMLElement;
  view.removeAttribute('data-id');
  fill(view, backButton(), el('div', { class: 'loading' }, 'Loading trace ' + id + '…'));
  try {
    const trace = await api<Trace>('v1/traces/' + encodeURIComponent(id));
    if (seq !== state.detailSeq) return;
    renderDetail(view, trace);
    hideBanner();
  } catch (error) {
    if (seq !== state.detailSeq) return;
    if (error instanceof NeedKeyError) {
      handleError(error);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    fill(
      view,
      backButton(),
      el(
        'div',
        { class: 'empty-note' },
        error instanceof ApiError && error.code === 'trace_not_found' ? 'No trace "' + id + '" is kept. Traces older than the retention are deleted.' : 'Could not load the trace: ' + message,
      ),
    );
  }
}

function backButton(): HTMLButtonElement {
  return el('button', { class: 'link', type: 'button', 'data-testid': 'detail-back', onclick: closeTrace }, '← All traces');
}

function kv(pairs: [string, Child][]): HTMLElement {
  const list = el('dl', { class: 'kv' });
  for (const [name, value] of pairs) {
    if (value === undefined || value === null || value === '') continue;
    append(list, [el('dt', null, name), el('dd', null, value)]);
  }
  return list;
}

function stepItem(number: number, title: string, note: string | null, ...content: Child[]): HTMLElement {
  const body = el('div', { class: 'step-body' }, el('h3', null, title, note ? el('span', { class: 'muted' }, note) : null), content);
  return el('li', { class: 'step' }, el('span', { class: 'step-num', 'aria-hidden': 'true' }, String(number)), body);
}

function quote(text: string | undefined): HTMLElement {
  return el('span', { class: 'quote' }, text);
}

function scoreBars(scores: Record<string, number> | undefined, highlight: string | undefined, digits?: number): HTMLElement | null {
  const values = scores || {};
  const names = Object.keys(values);
  if (names.length === 0) return null;
  const score = (name: string): number => values[name] ?? NaN;
  names.sort((a, b) => score(b) - score(a));
  return el(
    'div',
    { class: 'mini-bars' },
    names.map((name, index) => {
      const value = Math.max(0, Math.min(1, score(name)));
      return el(
        'div',
        { class: 'share-row' },
        el('span', { class: 'share-name' }, name, name === highlight ? ' ✓' : ''),
        svg(
          'svg',
          { class: 'share-bar', 'aria-hidden': 'true', preserveAspectRatio: 'none' },
          svg('rect', { class: 'track', x: 0, y: 0, width: '100%', height: '100%', rx: 3 }),
          svg('rect', { x: 0, y: 0, width: Math.max(0.5, value * 100) + '%', height: '100%', rx: 3, fill: name === highlight ? 'var(--ok)' : paletteColor(index) }),
        ),
        el('span', { class: 'share-figures' }, fmtScore(score(name), digits === undefined ? 4 : digits)),
      );
    }),
  );
}

function signalEvidence(signal: Signal): Child[] {
  switch (signal.signal) {
    case 'keywords':
      return ['keyword ', quote(signal.match)];
    case 'regex':
      return ['pattern matched ', quote(signal.match)];
    case 'metadata':
      return ['metadata ', quote(signal.key + ' = ' + signal.value)];
    case 'complexity':
      return ['complexity score ' + fmtScore(signal.score)];
    case 'header':
      return ['the client asked for it with the x-switchyard-route header'];
    case 'llm':
      return ['the LLM classifier answered ', quote(signal.label)];
    case 'examples':
      return ['similarity ' + fmtScore(signal.similarity, 4) + ' to the example ', quote(signal.example)];
    default:
      return [JSON.stringify(signal)];
  }
}

function usageText(usage: Usage | undefined): string {
  if (!usage) return '—';
  const parts = [fmtInt(usage.inputTokens) + ' in', fmtInt(usage.outputTokens) + ' out'];
  if (isNum(usage.cachedInputTokens) && usage.cachedInputTokens > 0) parts.push(usage.cachedInputTokens + ' cached');
  if (isNum(usage.reasoningTokens) && usage.reasoningTokens > 0) parts.push(usage.reasoningTokens + ' reasoning');
  return parts.join(' · ') + (usage.estimated ? ' (estimated)' : '');
}

function errorText(error: ErrorInfo | undefined): string | null {
  if (!error) return null;
  return error.kind + (error.status ? ' ' + error.status : '') + ': ' + error.message + (error.retryable ? ' (retryable)' : '');
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part: { text?: unknown; type?: unknown } | null) => (part && typeof part.text === 'string' ? part.text : '[' + (part && part.type ? String(part.type) : 'part') + ']'))
      .join('\n');
  }
  return content === null || content === undefined ? '' : JSON.stringify(content);
}

function summaryCard(title: string, value: string, tone?: string, sub?: string | null): HTMLElement {
  return el('div', { class: 'card' + (tone ? ' ' + tone : '') }, el('h3', null, title), el('div', { class: 'value', title: value }, value), sub ? el('div', { class: 'sub' }, sub) : null);
}

function renderDetail(view: HTMLElement, trace: Trace): void {
  const decision = trace.decision || {};
  const ratio = savingsRatio(trace.savingsUsd, trace.referenceCostUsd);
  document.title = 'Trace ' + trace.id + ' · Switchyard';
  view.setAttribute('data-id', trace.id);
  const steps = el('ol', { class: 'steps' });
  let number = 0;
  const next = (): number => {
    number += 1;
    return number;
  };

  // 1. What the client asked for.
  const prompt = trace.prompt || {};
  append(
    steps,
    stepItem(
      next(),
      'Requested',
      null,
      kv([
        ['model', trace.requested],
        ['stream', trace.stream ? 'yes' : 'no'],
        ['prompt', prompt.preview ? quote(prompt.preview) : el('span', { class: 'faint' }, 'empty')],
        ['sha256', prompt.sha256 ? el('span', { class: 'mono' }, prompt.sha256) : null],
      ]),
      prompt.messages && prompt.messages.length
        ? el(
            'div',
            null,
            el('div', { class: 'sub-title' }, 'Messages (stored)'),
            prompt.messages.map((message) => el('div', { class: 'message' }, el('div', { class: 'role' }, message.role), messageText(message.content))),
          )
        : null,
    ),
  );

  // 2. What fired.
  const signals = decision.signals || [];
  const signalBody: Child[] = [];
  if (signals.length) {
    signalBody.push(
      el(
        'ul',
        { class: 'items' },
        signals.map((signal) => el('li', null, el('span', { class: 'badge' }, signal.signal), el('span', { class: 'what' }, '→ ' + signal.route), el('span', { class: 'evidence' }, signalEvidence(signal)))),
      ),
    );
  } else if (decision.router) {
    signalBody.push(el('div', { class: 'muted' }, 'No rule matched: the router used its default route.'));
  } else {
    signalBody.push(el('div', { class: 'muted' }, 'A concrete model was requested: no routing.'));
  }
  if (decision.classification) {
    const classification = decision.classification;
    signalBody.push(
      el('div', { class: 'sub-title' }, 'LLM classifier'),
      kv([
        ['model', classification.model],
        ['outcome', el('span', { class: 'badge ' + (classification.outcome === 'ok' || classification.outcome === 'cached' ? 'ok' : 'error') }, classification.outcome)],
        ['label', classification.label === null ? 'none' : classification.label],
        ['detail', classification.detail],
      ]),
    );
  }
  if (decision.similarity) {
    const similarity = decision.similarity;
    signalBody.push(
      el('div', { class: 'sub-title' }, 'Similarity to the example prompts'),
      kv([
        ['encoder', similarity.encoder],
        ['outcome', similarity.outcome],
        ['detail', similarity.detail],
      ]),
      scoreBars(similarity.scores, decision.route, 4),
    );
  }
  if (decision.prediction) {
    const prediction = decision.prediction;
    signalBody.push(
      el('div', { class: 'sub-title' }, 'Predicted quality (' + prediction.policy + (prediction.classifierVersion ? ', router file ' + prediction.classifierVersion : '') + ')'),
      prediction.policy === 'cheapest_above'
        ? kv([
            ['min quality', fmtScore(prediction.minQuality)],
            ['chosen', prediction.chosen],
            ['cleared', prediction.cleared ? 'yes' : 'no: no model cleared it, the best predicted one was chosen'],
          ])
        : prediction.policy === 'utility'
        ? kv([
            ['cost weight', fmtScore(prediction.costWeight, 4)],
            ['chosen', prediction.chosen],
          ])
        : kv([
            ['threshold', fmtScore(prediction.threshold)],
            ['gain (strong − weak)', fmtScore(prediction.gain, 4)],
            ['chosen', prediction.chosen],
          ]),
      scoreBars(prediction.predicted, prediction.chosen, 4),
    );
  }
  append(steps, stepItem(next(), 'Signals', signals.length ? signals.length + ' fired' : null, signalBody));

  // 3. Where it went.
  append(
    steps,
    stepItem(
      next(),
      'Route',
      null,
      kv([
        ['router', decision.router || 'none'],
        ['route', el('span', { 'data-testid': 'detail-route' }, routeName(trace))],
        ['system prompt', decision.system ? 'the route’s system prompt, ' + decision.system.merge : null],
        ['block', decision.block ? quote(decision.block.message) : null],
      ]),
    ),
  );

  // 4. How the route's models are used.
  const balance = decision.balance;
  const observed = balance && balance.observed ? balance.observed : undefined;
  append(
    steps,
    stepItem(
      next(),
      'Policy',
      null,
      kv([
        ['policy', el('span', { class: 'badge' }, decision.policy || '—')],
        ['reference', decision.reference ? decision.reference + ' (the baseline for savings)' : null],
        ['balance', balance ? balance.strategy + ', chose ' + balance.chosen : null],
        [
          'observed',
          observed
            ? Object.entries(observed)
                .map(([name, value]) => name + ' ' + fmtScore(value, 1))
                .join(' · ')
            : null,
        ],
      ]),
    ),
  );

  // 5. The plan.
  const candidates = decision.candidates || [];
  const passedOver = (decision.filtered || []).map((item) => ({ item, when: 'before' })).concat((trace.skipped || []).map((item) => ({ item, when: 'while executing' })));
  append(
    steps,
    stepItem(
      next(),
      'Candidates',
      candidates.length + ' to try' + (passedOver.length ? ', ' + passedOver.length + ' passed over' : ''),
      candidates.length
        ? el(
            'ol',
            { class: 'items' },
            candidates.map((candidate, index) =>
              el(
                'li',
                null,
                el('span', { class: 'faint num' }, index + 1 + '.'),
                el('span', { class: 'what' }, candidate.model),
                el('span', { class: 'muted' }, candidate.provider),
                el('span', { class: 'badge' }, candidate.source),
                candidate.step !== undefined ? el('span', { class: 'muted' }, 'step ' + candidate.step) : null,
                candidate.note ? el('span', { class: 'evidence' }, candidate.note) : null,
              ),
            ),
          )
        : el('div', { class: 'muted' }, decision.block ? 'Blocked: no model is called.' : 'No candidate left.'),
      passedOver.length
        ? [
            el('div', { class: 'sub-title' }, 'Passed over'),
            el(
              'ul',
              { class: 'items' },
              passedOver.map((entry) =>
                el(
                  'li',
                  null,
                  el('span', { class: 'what' }, entry.item.model),
                  el('span', { class: 'badge blocked' }, entry.item.reason.replace(/_/g, ' ')),
                  el('span', { class: 'evidence' }, entry.item.detail),
                  el('span', { class: 'faint' }, entry.when),
                ),
              ),
            ),
          ]
        : null,
    ),
  );

  // 6. Every call, in order.
  const attempts = trace.attempts || [];
  const attemptRows = el('tbody', null);
  attempts.forEach((attempt, index) => {
    const checks = attempt.checks || [];
    append(
      attemptRows,
      el(
        'tr',
        { 'data-testid': 'attempt-row', 'data-model': attempt.model, 'data-outcome': attempt.outcome },
        el('td', { class: 'num nowrap' }, String(index + 1)),
        el('td', { class: 'nowrap' }, attempt.role, attempt.step !== undefined ? el('div', { class: 'faint' }, 'step ' + attempt.step) : null),
        el('td', { class: 'nowrap' }, el('span', { class: 'what' }, attempt.model), el('div', { class: 'faint' }, attempt.provider)),
        el('td', { class: 'num nowrap' }, attempt.retry ? 'retry ' + attempt.retry : '—'),
        el('td', { class: 'nowrap' }, el('span', { class: 'badge ' + attempt.outcome }, attempt.outcome), attempt.picked ? el('span', { class: 'tag' }, 'picked') : null),
        el('td', { class: 'num nowrap' }, isNum(attempt.startedAt) && isNum(trace.startedAt) ? '+' + fmtMs(Math.max(0, attempt.startedAt - trace.startedAt)) + ' ms' : '—'),
        el('td', { class: 'num nowrap' }, fmtDuration(attempt.firstTokenMs)),
        el('td', { class: 'num nowrap' }, fmtDuration(attempt.durationMs)),
        el('td', { class: 'nowrap' }, usageText(attempt.usage)),
        el('td', { class: 'num nowrap' }, fmtUsd(attempt.costUsd)),
        el(
          'td',
          { class: checks.length ? 'wide' : null },
          checks.length
            ? el(
                'div',
                { class: 'checks' },
                checks.map((check) =>
                  el('span', { class: 'badge ' + (check.passed ? 'ok' : 'error'), title: check.detail || '' }, (check.passed ? '✓ ' : '✗ ') + check.check + (isNum(check.score) ? ' ' + fmtScore(check.score) : '')),
                ),
                checks.filter((check) => check.detail).map((check) => el('div', { class: 'faint' }, check.check + ': ' + check.detail)),
              )
            : '—',
        ),
        el('td', { class: attempt.error ? 'wide' : null }, attempt.error ? el('span', { class: 'err' }, errorText(attempt.error)) : '—'),
      ),
    );
  });
  const numeric = ['#', 'start', 'first token', 'duration', 'cost'];
  append(
    steps,
    stepItem(
      next(),
      'Attempts',
      attempts.length + ' call' + (attempts.length === 1 ? '' : 's'),
      attempts.length
        ? el(
            'div',
            { class: 'table-wrap attempts' },
            el(
              'table',
              null,
              el('thead', null, el('tr', null, ['#', 'role', 'model', 'retry', 'outcome', 'start', 'first token', 'duration', 'usage', 'cost', 'checks', 'error'].map((title) => el('th', { class: numeric.indexOf(title) === -1 ? null : 'num' }, title)))),
              attemptRows,
            ),
          )
        : el('div', { class: 'muted' }, 'No model was called.'),
    ),
  );

  // 7. What the policy noted along the way.
  if (trace.notes && trace.notes.length) {
    append(steps, stepItem(next(), 'Notes', null, el('ul', { class: 'items' }, trace.notes.map((note) => el('li', null, note)))));
  }

  // 8. The outcome.
  append(
    steps,
    stepItem(
      next(),
      'Result',
      null,
      kv([
        ['status', el('span', { class: 'badge ' + trace.status }, trace.status)],
        ['model', el('span', { 'data-testid': 'detail-model' }, trace.model || 'none')],
        ['latency', fmtDuration(trace.latencyMs)],
        ['first token', isNum(trace.firstTokenMs) ? fmtDuration(trace.firstTokenMs) : null],
        ['usage', usageText(trace.usage)],
        ['cost', el('span', { 'data-testid': 'detail-cost' }, fmtUsd(trace.costUsd))],
        ['reference cost', el('span', { 'data-testid': 'detail-reference' }, fmtUsd(trace.referenceCostUsd))],
        ['savings', el('span', null, el('span', { 'data-testid': 'detail-savings' }, fmtUsd(trace.savingsUsd)), isNum(ratio) ? ' (' + fmtPct(ratio) + ')' : '')],
        ['error', trace.error ? el('span', { class: 'err' }, errorText(trace.error)) : null],
      ]),
    ),
  );

  // 9. What people said about the answer.
  const feedback = trace.feedback || [];
  append(
    steps,
    stepItem(
      next(),
      'Feedback',
      feedback.length ? String(feedback.length) : null,
      feedback.length
        ? el(
            'ul',
            { class: 'items', 'data-testid': 'detail-feedback' },
            feedback.map((item) => {
              const better = item.better_model || item.betterModel;
              return el(
                'li',
                null,
                el('span', { class: 'faint' }, fmtTime(item.created_at !== undefined ? item.created_at : item.createdAt)),
                isNum(item.score) ? el('span', { class: 'badge' }, 'score ' + fmtScore(item.score, 2)) : null,
                item.label ? quote(item.label) : null,
                better ? el('span', { class: 'evidence' }, 'better model: ' + better) : null,
              );
            }),
          )
        : el('div', { class: 'muted' }, 'None yet. POST /v1/feedback with this trace_id to score the answer.'),
    ),
  );

  const summary = el(
    'div',
    { class: 'summary' },
    summaryCard('Route', routeName(trace)),
    summaryCard('Model', trace.model || 'none'),
    summaryCard('Latency', fmtDuration(trace.latencyMs)),
    summaryCard('Cost', fmtUsd(trace.costUsd)),
    summaryCard('Reference', fmtUsd(trace.referenceCostUsd)),
    summaryCard('Saved', fmtUsd(trace.savingsUsd), isNum(trace.savingsUsd) && trace.savingsUsd > 0 ? 'good' : '', isNum(ratio) ? fmtPct(ratio) + ' of the reference' : null),
  );

  fill(
    view,
    el('div', { class: 'detail-head' }, backButton(), el('h1', null, 'Trace'), el('span', { class: 'badge ' + trace.status }, trace.status), el('span', { class: 'id' }, trace.id), el('span', { class: 'muted' }, fmtTime(trace.startedAt))),
    summary,
    steps,
    el('details', { class: 'raw' }, el('summary', null, 'Raw trace JSON'), el('pre', null, JSON.stringify(trace, null, 2))),
  );
  window.scrollTo(0, 0);
}
