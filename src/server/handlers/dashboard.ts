import { dashboardContentSecurityPolicy } from '../dashboard-content-security-policy.js';
import type { Handler } from './handler-context.js';

type ServedPage = { body: Buffer; headers: Readonly<Record<string, string>> };

let served: Promise<ServedPage> | undefined;

/** The page's bytes and headers, built at the first `GET /`: a gateway whose dashboard nobody opens never holds the page (about 0.6 MB of heap). */
function servedPage(): Promise<ServedPage> {
  served ??= import('../../web/dashboard-page.js').then(({ DASHBOARD_PAGE }) => {
    const body = Buffer.from(DASHBOARD_PAGE.html, 'utf8');
    const headers = {
      'content-type': 'text/html; charset=utf-8',
      'content-length': String(body.length),
      'content-security-policy': dashboardContentSecurityPolicy(DASHBOARD_PAGE),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cache-control': 'no-cache',
    };
    return { body, headers };
  });
  return served;
}

/**
 * `GET /`: the dashboard. The page is a static shell with no data in it; its script reads
 * `/v1/stats` and `/v1/traces`, which the API keys protect.
 */
export const handleDashboard: Handler = async ({ response }) => {
  const { body, headers } = await servedPage();
  response.writeHead(200, headers);
  response.end(body);
};
