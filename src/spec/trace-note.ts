/**
 * What a multi-step policy decided along the way, as data: the policy records these, and the
 * trace renders them to the sentences of its `notes` (`renderTraceNote`), its public form.
 */
export type TraceNote =
  /** A cascade step errored (after its own retries and fallbacks) and the next step was asked. */
  | { kind: 'step_failed'; step: number; models: string[]; error: string }
  /** A cascade step's answer failed its check (each failed test with its detail) and the next step was asked. */
  | { kind: 'check_failed'; step: number; model: string; failed: string[] }
  /** A parallel branch declined; the policy waited for another answer. */
  | { kind: 'branch_declined'; branch: number; model: string }
  /** A judge's verdict on the answers of a parallel policy, as the judge worded it. */
  | { kind: 'judge_verdict'; detail: string }
  /** No answer could be picked (`judge_failed`) or passed (`none_passed`): the first to arrive was kept. */
  | { kind: 'kept_first'; model: string; reason: 'judge_failed' | 'none_passed' }
  /** A parallel policy's own time bound ran out and unfinished branches were cancelled. */
  | { kind: 'policy_timeout'; timeoutMs: number };

export function renderTraceNote(note: TraceNote): string {
  switch (note.kind) {
    case 'step_failed':
      return `step ${note.step} (${note.models.join(', ')}) failed: ${note.error}; escalated`;
    case 'check_failed':
      return `step ${note.step} (${note.model}) failed its check: ${note.failed.join('; ')}; escalated`;
    case 'branch_declined':
      return `branch ${note.branch} (${note.model}) declined; waiting for another answer`;
    case 'judge_verdict':
      return note.detail;
    case 'kept_first':
      return note.reason === 'judge_failed' ? `kept the first answer to arrive (${note.model})` : `no answer passed; kept the first to arrive (${note.model})`;
    case 'policy_timeout':
      return `the policy's ${note.timeoutMs} ms ran out; unfinished branches were cancelled`;
  }
}
