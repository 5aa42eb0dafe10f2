import { createHash } from 'node:crypto';
import { DASHBOARD_HTML, DASHBOARD_SCRIPT, DASHBOARD_STYLE } from '../../web/dashboard-html.js';
import type { Handler } from './handler-context.js';

const sha256Source = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The page runs only its own inline script and style (allowed by hash, so an injected `<script>`
 * would not run even if escaping failed somewhere) and talks only to this gateway.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `script-src ${sha256Source(DASHBOARD_SCRIPT)}`,
  `style-src ${sha256Source(DASHBOARD_STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const BODY = Buffer.from(DASHBOARD_HTML, 'utf8');

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-length': String(BODY.length),
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
};

/**
 * `GET /`: the dashboard. The page is a static shell with no data in it; its script reads
 * `/v1/stats` and `/v1/traces`, which the API keys protect.
 */
export const handleDashboard: Handler = async ({ response }) => {
  response.writeHead(200, HEADERS);
  response.end(BODY);
};
