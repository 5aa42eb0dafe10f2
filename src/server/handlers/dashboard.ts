import { DASHBOARD_PAGE } from '../../web/dashboard-page.js';
import { dashboardContentSecurityPolicy } from '../dashboard-content-security-policy.js';
import type { Handler } from './handler-context.js';

const BODY = Buffer.from(DASHBOARD_PAGE.html, 'utf8');

const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-length': String(BODY.length),
  'content-security-policy': dashboardContentSecurityPolicy(DASHBOARD_PAGE),
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
