import { ForbiddenError } from '../errors/request-errors.js';
import type { Caller } from '../keys/caller.js';
import type { TraceScope } from '../telemetry/trace-filter.js';
import { quoteInput } from '../util/quote-input.js';

/**
 * Which traces a caller may see, narrowed by `?key=` / `?team=`: a virtual key its own, a static
 * key those made without a virtual key, an admin key (or anyone on an open gateway) all of them. A
 * filter for someone else's traces is refused (403 `admin_only`) rather than answered with an empty
 * page, so a client learns its mistake; its own key id or team is fine.
 */
export function callerTraceScope(caller: Caller, wanted: { key?: string | undefined; team?: string | undefined }): TraceScope {
  if (caller.kind === 'admin' || caller.kind === 'open') return { keyId: wanted.key, team: wanted.team };
  const refuse = (param: string, value: string): never => {
    throw new ForbiddenError(`Only an admin key may read the traces of ${param} ${quoteInput(value)}; this key sees only its own traces.`, 'admin_only');
  };
  if (caller.kind === 'static') {
    if (wanted.key !== undefined) refuse('key', wanted.key);
    if (wanted.team !== undefined) refuse('team', wanted.team);
    return { withoutKey: true };
  }
  if (wanted.key !== undefined && wanted.key !== caller.key.id) refuse('key', wanted.key);
  if (wanted.team !== undefined && wanted.team !== caller.key.team) refuse('team', wanted.team);
  return { keyId: caller.key.id };
}
