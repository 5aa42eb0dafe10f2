import { createHash } from 'node:crypto';
import type { DashboardPage } from '../web/dashboard-page.js';

const sha256Source = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The page runs only its own inline scripts and styles (allowed by the hash of their exact text,
 * computed here from the built page, so an injected `<script>` would not run even if escaping
 * failed somewhere) and talks only to this gateway.
 */
export function dashboardContentSecurityPolicy(page: DashboardPage): string {
  return [
    "default-src 'none'",
    `script-src ${page.scripts.map(sha256Source).join(' ')}`,
    `style-src ${page.styles.map(sha256Source).join(' ')}`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
