import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Vitest's global setup: builds the dashboard page (src/web/generated/dashboard-page.ts, not
 * committed) from src/web/dashboard/ before any test imports the server, so tests never serve a
 * stale or missing page. It takes a fraction of a second and rewrites the file only when it changed.
 */
export default function buildDashboard(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/build-dashboard.mjs', import.meta.url))], { stdio: 'inherit' });
}
