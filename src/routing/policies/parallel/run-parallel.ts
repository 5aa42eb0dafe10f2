import type { PickSpec } from '../../../spec/check-spec.js';
import { AllAttemptsFailedError, NoAvailableModelError } from '../../../errors/execution-errors.js';
import { ProviderTimeoutError } from '../../../errors/provider-errors.js';
import type { SwitchyardError } from '../../../errors/switchyard-error.js';
import type { ChatRequest } from '../../../spec/chat-request.js';
import type { ChatResult } from '../../../spec/chat-result.js';
import type { FilteredCandidate } from '../../../spec/decision.js';
import type { ModelSpec } from '../../../spec/model-spec.js';
import type { Step } from '../../../spec/step.js';
import type { Attempt } from '../../../spec/trace.js';
import type { TraceNote } from '../../../spec/trace-note.js';
import { answerText, compileCheck, isRefusalResult } from '../../../execution/answer-checks.js';
import { executeGenerate, type ExecutionContext, type ExecutionOptions, type GenerateExecution } from '../../../execution/executor.js';
import { Judge } from '../../../execution/judge.js';
import { CancellationSource } from '../../../util/cancellation.js';

type Parallel = { branches: readonly Step[]; pick: PickSpec; timeoutMs: number };

type Answered = { branch: number; result: ChatResult; spec: ModelSpec };

/**
 * Asks every branch at once and keeps one answer: the first good one (`first`; a refusal is not
 * good), the first that passes a check (`check`), or the one a judge prefers among all that came
 * (`judge`). Branches not needed are cancelled, and the whole policy is bounded by `timeoutMs`:
 * whatever has not answered by then is cancelled and the choice is made among what came.
 */
export async function parallelGenerate(
  parallel: Parallel,
  request: ChatRequest,
  context: ExecutionContext,
  options: ExecutionOptions,
  catalog: ReadonlyMap<string, ModelSpec>,
): Promise<GenerateExecution> {
  const { branches, pick, timeoutMs } = parallel;
  if (branches.length === 0) return { ok: false, error: new NoAvailableModelError('No model of the parallel policy could be called.', { filtered: [], missingEnv: [] }), attempts: [], skipped: [] };
  const cancellations = branches.map(() => new CancellationSource());
  const cancelAll = (): void => cancellations.forEach((cancellation) => cancellation.abort());
  let timedOut = false;
  let settled = 0;
  const timer = setTimeout(() => {
    // Only a policy that was still waiting for a branch ran out of time.
    timedOut = settled < branches.length;
    cancelAll();
  }, timeoutMs);
  if (context.cancellation.aborted) cancelAll();
  const stopFollowingClient = context.cancellation.onAbort(cancelAll);

  const judge = new Judge(context, catalog);
  const check = pick.type === 'check' ? compileCheck(pick.check) : undefined;
  const notes: TraceNote[] = [];
  const extra: Attempt[] = [];
  const arrived: Answered[] = [];
  const results: (GenerateExecution | undefined)[] = branches.map(() => undefined);
  let winner: Answered | undefined;
  let rejectedButUsable: Answered | undefined;

  const runs = branches.map((branch, index) =>
    executeGenerate(branch.specs, request, { ...context, cancellation: cancellations[index] as CancellationSource }, { ...options, step: index }).then(
      (execution) => {
        settled++;
        return { index, execution };
      },
    ),
  );
  try {
    const pending = new Map(runs.map((run, index) => [index, run]));
    while (pending.size > 0 && !winner) {
      const { index, execution } = await Promise.race(pending.values());
      pending.delete(index);
      results[index] = execution;
      if (!execution.ok) continue;
      const answered = { branch: index, result: execution.result, spec: execution.spec };
      arrived.push(answered);
      if (pick.type === 'judge') continue;
      if (isRefusalResult(execution.result)) {
        notes.push({ kind: 'branch_declined', branch: index, model: execution.spec.name });
        rejectedButUsable ??= answered;
        continue;
      }
      if (check) {
        const verdict = await check.run(execution.result, request, judge, index);
        extra.push(...verdict.attempts);
        const served = execution.attempts.findLast((attempt) => attempt.outcome === 'ok');
        if (served) served.checks = verdict.results;
        if (!verdict.passed) {
          if (served) served.outcome = 'rejected';
          rejectedButUsable ??= answered;
          continue;
        }
      }
      winner = answered;
    }
    // The losers are cancelled now; their calls are waited for so that their attempts are recorded.
    cancellations.forEach((cancellation, index) => {
      if (index !== winner?.branch) cancellation.abort();
    });
    for (const { index, execution } of await Promise.all(runs)) results[index] = execution;
    // Every branch is in: the judge, if any, is bounded by its own timeout.
    clearTimeout(timer);

    if (!winner && pick.type === 'judge' && arrived.length > 0) {
      if (arrived.length === 1) {
        winner = arrived[0];
      } else {
        const chosen = await judge.pick(pick.judge, request, arrived.map((answer) => answerText(answer.result)));
        extra.push(...chosen.attempts);
        notes.push({ kind: 'judge_verdict', detail: chosen.detail });
        winner = chosen.index === undefined ? arrived[0] : arrived[chosen.index];
        if (chosen.index === undefined && arrived[0]) notes.push({ kind: 'kept_first', model: arrived[0].spec.name, reason: 'judge_failed' });
      }
    }
    if (!winner && rejectedButUsable) {
      winner = rejectedButUsable;
      notes.push({ kind: 'kept_first', model: rejectedButUsable.spec.name, reason: 'none_passed' });
      // It failed its check but is the answer served: the trace bills and shows it as such.
      const served = results[winner.branch]?.attempts.findLast((attempt) => attempt.outcome === 'rejected');
      if (served) served.outcome = 'ok';
    }
  } finally {
    clearTimeout(timer);
    stopFollowingClient();
  }

  const attempts: Attempt[] = [];
  const skipped: FilteredCandidate[] = [];
  results.forEach((execution, index) => {
    if (!execution) return;
    for (const attempt of execution.attempts) {
      // A branch stopped because another won (or the policy's time ran out) was cancelled, not failed.
      if (index !== winner?.branch && attempt.outcome === 'error' && attempt.error?.kind === 'aborted' && !context.cancellation.aborted) attempt.outcome = 'cancelled';
      if (index === winner?.branch && attempt.outcome === 'ok') attempt.picked = true;
    }
    attempts.push(...execution.attempts);
    skipped.push(...execution.skipped);
  });
  attempts.push(...extra);
  if (timedOut) notes.push({ kind: 'policy_timeout', timeoutMs });
  const outcome = { attempts, skipped, notes };
  if (winner) return { ok: true, result: winner.result, spec: winner.spec, ...outcome };
  return { ok: false, error: failure(results, timedOut, timeoutMs, branches), ...outcome };
}

function failure(results: readonly (GenerateExecution | undefined)[], timedOut: boolean, timeoutMs: number, branches: readonly Step[]): SwitchyardError {
  const errors = results.flatMap((execution) => (execution && !execution.ok ? [execution.error] : []));
  const answering = results.flatMap((execution) => execution?.attempts ?? []);
  if (timedOut) {
    const first = branches[0]?.specs[0];
    return new ProviderTimeoutError(
      { provider: first?.provider ?? 'parallel', model: branches.map((branch) => branch.specs[0]?.name ?? '').join(', ') },
      `No model of the parallel policy answered within ${timeoutMs} ms.`,
    );
  }
  const last = errors[errors.length - 1];
  if (!last) return new NoAvailableModelError('No model of the parallel policy answered.', { filtered: [], missingEnv: [] });
  return answering.length > 1 && last.kind !== 'aborted' ? new AllAttemptsFailedError(answering, last) : last;
}
