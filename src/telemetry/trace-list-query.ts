import { decodeCursor, scopeConditions, type TraceFilter } from './trace-filter.js';

/** A page of `/v1/traces` as SQL with `?` parameters, for either store: newest first, one row more than the page to know there is a next. */
export function traceListQuery(filter: TraceFilter): { sql: string; params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  const add = (sql: string, value: string | number | undefined): void => {
    if (value === undefined) return;
    where.push(sql);
    params.push(value);
  };
  add('router = ?', filter.router);
  add('route = ?', filter.route);
  add('model = ?', filter.model);
  add('status = ?', filter.status);
  add('started_at >= ?', filter.since);
  add('started_at < ?', filter.until);
  const scoped = scopeConditions(filter);
  where.push(...scoped.where);
  params.push(...scoped.params);
  const after = filter.cursor === undefined ? undefined : decodeCursor(filter.cursor);
  if (after) {
    where.push('(started_at < ? OR (started_at = ? AND id < ?))');
    params.push(after.startedAt, after.startedAt, after.id);
  }
  const sql = `SELECT trace_json FROM traces ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC LIMIT ?`;
  return { sql, params: [...params, filter.limit + 1] };
}
