// Build against build (`npm run bench:ab -- [BASE]`): this checkout's Switchyard against the one
// built from git revision BASE (default HEAD, so uncommitted changes are what is measured), with
// the minimal proxy as the yardstick, JSON at concurrency 64.
//
// Why not the sequential rounds of `npm run bench`: on a shared or virtual machine the speed of
// the core drifts within seconds (the same target has measured 125 and 240 µs per request a
// minute apart), so a ratio between two runs taken one after the other is mostly drift. Here the
// three targets take their load at the same time, on the same pinned core, in every round: a
// slower phase slows them alike and the ratio of their CPU per request holds. Each round's ratios
// are printed, then the median and the spread, and how many rounds the change won.
//
// Options: --rounds N (default 10), --seconds S per round (3), --connections C (64).
// The base build goes to a temporary git worktree (node_modules linked from here) and is removed after.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { jsonLoad } from './gateway/load.mjs';
import { cpuSeconds, pinSelfToLoadCores, root, startMinimalProxy, startSwitchyard, startUpstream, stop, TARGET_CORE } from './gateway/processes.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '10' }, seconds: { type: 'string', default: '3' }, connections: { type: 'string', default: '64' } },
});
const ROUNDS = Number(values.rounds);
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const BASE = positionals[0] ?? 'HEAD';
const log = (line) => process.stdout.write(`${line}\n`);

function buildBase(revision) {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-ab-'));
  const run = (command, args, cwd) => execFileSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
  const remove = () => {
    try {
      execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: root, stdio: 'ignore' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    run('git', ['worktree', 'add', '--detach', dir, revision], root);
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], dir);
  } catch (error) {
    remove();
    throw error;
  }
  return { main: join(dir, 'dist/cli/main.js'), remove };
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

if (!existsSync(join(root, 'dist/cli/main.js'))) throw new Error('build this checkout first (npm run build)');
pinSelfToLoadCores();
log(`build ${BASE} against this checkout: JSON, concurrency ${CONNECTIONS}, ${ROUNDS} rounds of ${SECONDS} s, ${TARGET_CORE === undefined ? 'not pinned (no taskset or one core)' : `targets on core ${TARGET_CORE}`}`);
const base = buildBase(BASE);
const upstream = await startUpstream(0);
const targets = {};
try {
  targets.proxy = await startMinimalProxy(upstream.url);
  targets.base = await startSwitchyard(upstream.url, { main: base.main });
  targets.current = await startSwitchyard(upstream.url);
  for (const target of Object.values(targets)) await jsonLoad(target.url, { connections: CONNECTIONS, seconds: 2 });
  const rounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    const entries = Object.entries(targets);
    const before = entries.map(([, target]) => cpuSeconds(target.pid));
    const results = await Promise.all(entries.map(([, target]) => jsonLoad(target.url, { connections: CONNECTIONS, seconds: SECONDS })));
    const cpu = {};
    entries.forEach(([name, target], i) => {
      if (results[i].non2xx > 0 || results[i].errors > 0) throw new Error(`${name}: ${results[i].non2xx} non-2xx responses and ${results[i].errors} errors`);
      cpu[name] = ((cpuSeconds(target.pid) - before[i]) * 1e6) / results[i].requests;
    });
    rounds.push({ base: cpu.base / cpu.proxy, current: cpu.current / cpu.proxy, change: cpu.current / cpu.base });
    log(`  round ${String(round + 1).padStart(2)}: proxy ${cpu.proxy.toFixed(0)} µs/req, base ${(cpu.base / cpu.proxy).toFixed(2)}× proxy, current ${(cpu.current / cpu.proxy).toFixed(2)}×, current/base ${(cpu.current / cpu.base).toFixed(3)}`);
  }
  const of = (key) => `${quantile(rounds.map((r) => r[key]), 0.5).toFixed(3)} (quartiles ${quantile(rounds.map((r) => r[key]), 0.25).toFixed(3)}–${quantile(rounds.map((r) => r[key]), 0.75).toFixed(3)})`;
  log(`CPU per request, medians over ${ROUNDS} rounds:`);
  log(`  base    / proxy  ${of('base')}`);
  log(`  current / proxy  ${of('current')}`);
  log(`  current / base   ${of('change')}; current used less in ${rounds.filter((r) => r.change < 1).length} of ${ROUNDS} rounds`);
} finally {
  for (const target of Object.values(targets)) await stop(target);
  await stop(upstream);
  base.remove();
}
