// Build against build (`npm run bench:ab -- [BASE]`): this checkout's Switchyard against the one
// built from git revision BASE (default HEAD, so uncommitted changes are what is measured), with
// the minimal proxy as the yardstick, JSON at concurrency 64.
//
// The three targets take their load at the same time (bench/gateway/paired.mjs): the speed of this
// kind of machine drifts within seconds, and back-to-back runs would mostly measure the drift.
// They are started afresh three times, each time in another order, with 4 rounds after each start.
// Each round's ratios are printed, then the medians with their quartiles, and how many rounds the
// change won.
//
// Options: --rounds N (default 12, a multiple of 3 so each start order comes as often),
// --seconds S per round (3), --connections C (64).
// The base build goes to a temporary git worktree (node_modules linked from here) and is removed after.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pairedRounds, quartiles } from './gateway/paired.mjs';
import { pinSelfToLoadCores, root, startMinimalProxy, startSwitchyard, startUpstream, stop, TARGET_CORE } from './gateway/processes.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: 'string', default: '12' }, seconds: { type: 'string', default: '3' }, connections: { type: 'string', default: '64' } },
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

if (!existsSync(join(root, 'dist/cli/main.js'))) throw new Error('build this checkout first (npm run build)');
pinSelfToLoadCores();
log(`build ${BASE} against this checkout: JSON, concurrency ${CONNECTIONS}, ${ROUNDS} rounds of ${SECONDS} s, ${TARGET_CORE === undefined ? 'not pinned (no taskset or one core)' : `targets on core ${TARGET_CORE}`}`);
const base = buildBase(BASE);
const upstream = await startUpstream(0);
try {
  const starts = {
    proxy: () => startMinimalProxy(upstream.url),
    base: () => startSwitchyard(upstream.url, { main: base.main }),
    current: () => startSwitchyard(upstream.url),
  };
  const rounds = (
    await pairedRounds(starts, {
      rounds: ROUNDS,
      seconds: SECONDS,
      connections: CONNECTIONS,
      blocks: 3,
      onRound: (cpu, round) =>
        log(`  round ${String(round + 1).padStart(2)}: proxy ${cpu.proxy.toFixed(0)} µs/req, base ${(cpu.base / cpu.proxy).toFixed(2)}× proxy, current ${(cpu.current / cpu.proxy).toFixed(2)}×, current/base ${(cpu.current / cpu.base).toFixed(3)}`),
    })
  ).map((cpu) => ({ base: cpu.base / cpu.proxy, current: cpu.current / cpu.proxy, change: cpu.current / cpu.base }));
  const of = (key) => {
    const { median, low, high } = quartiles(rounds.map((r) => r[key]));
    return `${median.toFixed(3)} (quartiles ${low.toFixed(3)}–${high.toFixed(3)})`;
  };
  log(`CPU per request, medians over ${ROUNDS} rounds:`);
  log(`  base    / proxy  ${of('base')}`);
  log(`  current / proxy  ${of('current')}`);
  log(`  current / base   ${of('change')}; current used less in ${rounds.filter((r) => r.change < 1).length} of ${ROUNDS} rounds`);
} finally {
  await stop(upstream);
  base.remove();
}
