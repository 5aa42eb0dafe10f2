import type { TraceCaller } from '../spec/trace.js';
import type { VirtualKey } from './virtual-key.js';

/**
 * Who sent a request, by the key it presented (never the key itself). `open`: the gateway takes
 * requests without a key; `static`: one of `server.api_keys` (no limits, sees the traces of the
 * static keys); `admin`: one of `server.admin_keys` (sees every trace, may use `/admin/…`);
 * `key`: a virtual key, with its team, allow lists and limits.
 */
export type Caller = { kind: 'open' } | { kind: 'static' } | { kind: 'admin' } | { kind: 'key'; key: VirtualKey };

export const OPEN_CALLER: Caller = { kind: 'open' };

/** What a trace records of its caller: a virtual key's id, name and team; nothing for the others. */
export function traceCallerOf(caller: Caller | undefined): TraceCaller | undefined {
  if (caller?.kind !== 'key') return undefined;
  const { id, name, team } = caller.key;
  return team === undefined ? { keyId: id, keyName: name } : { keyId: id, keyName: name, team };
}
