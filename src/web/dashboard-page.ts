/**
 * The dashboard served at `GET /`, built from src/web/dashboard/ by scripts/build-dashboard.mjs
 * (`npm run build`; the test setup builds it too). Its shell holds no data.
 */
export type { DashboardPage } from './dashboard-page-type.js';
export { DASHBOARD_PAGE } from './generated/dashboard-page.js';
