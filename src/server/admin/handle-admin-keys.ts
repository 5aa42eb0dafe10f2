import { ForbiddenError, InvalidRequestError, MethodNotAllowedError, NotFoundError } from '../../errors/request-errors.js';
import type { CachedKeyLookup } from '../../keys/cached-key-lookup.js';
import type { Caller } from '../../keys/caller.js';
import { keyView } from '../../keys/key-view.js';
import type { IssuedKey, KeyStore } from '../../keys/key-store.js';
import type { VirtualKey } from '../../keys/virtual-key.js';
import { quoteInput } from '../../util/quote-input.js';
import type { Handler } from '../handlers/handler-context.js';
import { sendJson } from '../http-io.js';
import { parseJsonBody } from '../parse-chat-request.js';
import { parseCreateKey, parseUpdateKey } from './admin-key-body.js';

/** `/admin/keys`, `/admin/keys/{id}`, `/admin/keys/{id}/revoke|rotate`: the paths of the admin API. */
export const ADMIN_PATH = /^\/admin\/keys(?:\/([^/]+)(?:\/(revoke|rotate))?)?$/;

/**
 * The admin API over the virtual keys: the CLI's `keys` operations for an admin key
 * (`server.admin_keys`) over HTTP, with the same views (`keyView`). A secret is in the answer of
 * create and rotate only. Revoking or rotating drops the key from this instance's cache
 * (`virtualKeys`), so the old secret is refused here at once; other instances sharing the store
 * refuse it within their cache's TTL (SQLite), or as soon as they hear of it (PostgreSQL).
 */
export function createAdminKeysHandler(store: KeyStore | undefined, virtualKeys: CachedKeyLookup | undefined): Handler {
  return async ({ request, response, gateway, caller, path, readBody }) => {
    checkAdmin(caller);
    const match = ADMIN_PATH.exec(path);
    if (match === null) throw new NotFoundError(`Unknown admin path ${quoteInput(path)}. Try GET /admin/keys.`, { code: 'not_found' });
    const method = request.method ?? 'GET';
    const [, rawId, action] = match;
    const allowed = rawId === undefined ? ['GET', 'POST'] : action === undefined ? ['GET', 'PATCH'] : ['POST'];
    if (!allowed.includes(method)) {
      request.resume();
      throw new MethodNotAllowedError(method, path, allowed);
    }
    if (store === undefined) {
      request.resume();
      throw new NotFoundError('The admin API is not available: this gateway was started without a key store (switchyard serve opens it at storage.path).', { code: 'not_found' });
    }
    const body = async (): Promise<unknown> => parseJsonBody(await readBody(), gateway.config.server);
    const now = Date.now();
    if (rawId === undefined) {
      if (method === 'GET') {
        const team = new URL(request.url ?? '/', 'http://localhost').searchParams.get('team') ?? undefined;
        sendJson(response, 200, { object: 'list', data: store.list({ team: team === '' ? undefined : team }).map((key) => keyView(key, now)) });
        return;
      }
      sendIssued(response, 201, await store.create(parseCreateKey(await body()), now), now);
      return;
    }
    const id = decodeId(rawId);
    if (action === 'rotate') {
      const issued = found(await store.rotate(id, now), id);
      virtualKeys?.forget(id);
      sendIssued(response, 200, issued, now);
      return;
    }
    let key: VirtualKey | undefined;
    if (action === 'revoke') {
      key = await store.revoke(id, now);
      virtualKeys?.forget(id);
    } else if (method === 'PATCH') {
      // Parsed before the lookup: a malformed body is a 400 whether or not the key exists.
      const update = parseUpdateKey(await body());
      key = await store.update(id, update, now);
      virtualKeys?.forget(id);
    } else {
      key = store.get(id);
    }
    sendJson(response, 200, keyView(found(key, id), now));
  };
}

/** Only an admin key: a client's key (static or virtual) and an open gateway's anonymous caller are refused. */
function checkAdmin(caller: Caller): void {
  if (caller.kind === 'admin') return;
  const why = caller.kind === 'open' ? 'this gateway has no server.admin_keys, so the admin API is closed' : 'this key is not one of server.admin_keys';
  throw new ForbiddenError(`The admin API takes an admin key only: ${why}.`, 'admin_only');
}

function decodeId(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InvalidRequestError(`The key id in the path is not valid percent-encoding: ${quoteInput(segment)}.`, { param: 'id' });
  }
}

function found<T>(value: T | undefined, id: string): T {
  if (value === undefined) throw new NotFoundError(`No virtual key ${quoteInput(id)}.`, { code: 'not_found', param: 'id' });
  return value;
}

function sendIssued(response: Parameters<Handler>[0]['response'], status: number, issued: IssuedKey, now: number): void {
  sendJson(response, status, { key: keyView(issued.key, now), secret: issued.secret });
}
