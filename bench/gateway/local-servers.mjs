// The Redis and PostgreSQL servers the tests start (test/support/local-servers.ts), for the
// benchmark, which runs on plain Node: the same module with its types stripped by esbuild (one copy
// of the starting code, not two), written under bench/results/ so that its `pg` import resolves.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transformSync } from 'esbuild';
import { root } from './processes.mjs';

const source = readFileSync(join(root, 'test/support/local-servers.ts'), 'utf8');
const out = join(root, 'bench/results/local-servers.mjs');
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(out, transformSync(source, { loader: 'ts', format: 'esm', target: 'node20' }).code);

/** `startRedis()`, `startPostgres()`, and `redisMissing` / `postgresMissing` (why one cannot start here, or undefined). */
export const { startRedis, startPostgres, redisMissing, postgresMissing } = await import(pathToFileURL(out).href);
