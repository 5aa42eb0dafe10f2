import { isIP } from 'node:net';
import { MisdirectedRequestError } from '../errors/request-errors.js';
import { quoteInput } from '../util/quote-input.js';

/** Whether a listen address (or `localhost`) only takes connections from this machine. */
export function isLoopback(address: string): boolean {
  const host = address.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return host === 'localhost' || host === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(host);
}

/** The name or address of a `Host` header, without port, brackets or trailing dot, in lower case. */
export function hostName(host: string): string {
  const lower = host.trim().toLowerCase();
  const close = lower.indexOf(']');
  const name = lower.startsWith('[') && close !== -1 ? lower.slice(1, close) : lower.replace(/:\d*$/, '');
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/**
 * The `Host` check against DNS rebinding: a web page whose name the attacker points at 127.0.0.1
 * reaches a loopback server as same-origin, but its requests still carry the attacker's name.
 *
 * Always served: no Host (HTTP/1.0; every browser sends one), IP addresses (rebinding needs a name
 * whose DNS the attacker controls; an orchestrator's probe uses the pod address), and localhost
 * names (browsers resolve them to loopback themselves). Other names: only those in
 * `allowedHosts`; when it is unset, any name on a server bound beyond loopback (behind a proxy the
 * Host is the public name, which the gateway cannot guess), none on a loopback server.
 * Returns undefined when every Host is served.
 */
export function createHostCheck(options: {
  bindAddress: string;
  allowedHosts: readonly string[] | undefined;
}): ((host: string | undefined) => void) | undefined {
  const loopback = isLoopback(options.bindAddress);
  if (options.allowedHosts === undefined && !loopback) return undefined;
  const allowed = (options.allowedHosts ?? []).map((entry) => entry.toLowerCase());
  if (allowed.includes('*')) return undefined;
  const exact = new Set(allowed.filter((entry) => !entry.startsWith('*.')));
  const suffixes = allowed.filter((entry) => entry.startsWith('*.')).map((entry) => entry.slice(1));
  // The allowed names are not listed: a rebinding page can read this answer.
  const names = allowed.length > 0 ? 'localhost names, IP addresses and the names in server.allowed_hosts' : 'localhost names and IP addresses';
  const where = loopback ? `listens on ${options.bindAddress}, so it answers only to ${names}` : `answers only to ${names}`;

  return (host) => {
    if (host === undefined || host === '') return;
    const name = hostName(host);
    if (isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost') || exact.has(name)) return;
    if (suffixes.some((suffix) => name.endsWith(suffix))) return;
    throw new MisdirectedRequestError(
      `Host ${quoteInput(host)} is not served here: this gateway ${where} (a guard against DNS rebinding). To serve this name, add it to server.allowed_hosts.`,
    );
  };
}
