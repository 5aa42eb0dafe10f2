/**
 * The dashboard page as scripts/build-dashboard.mjs builds it from src/web/dashboard/: the whole
 * page, and the exact text of each inline script and style in it, which the server allows by hash.
 */
export type DashboardPage = {
  readonly html: string;
  readonly scripts: readonly string[];
  readonly styles: readonly string[];
};
