/**
 * Whether an error means PostgreSQL could not be reached or could not serve now (down, starting,
 * shutting down, out of connections, the connection lost), rather than a refusal of what was
 * asked: the first is worth waiting out, the second is not. Network errors carry no SQLSTATE.
 */
export function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string') return true;
  if (!/^[0-9A-Z]{5}$/.test(code)) return true;
  // 08: connection exception; 57P: operator intervention (admin shutdown, cannot connect now); 53: insufficient resources; 40: serialization/deadlock.
  return code.startsWith('08') || code.startsWith('57P') || code.startsWith('53') || code.startsWith('40');
}
