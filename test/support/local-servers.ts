import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real Redis and PostgreSQL servers for tests: each started on a free loopback port in its own
 * temporary directory (no system service, nothing shared between test files), stopped by `stop()`.
 * `.ci/run` installs Debian's `redis-server` and `postgresql`; elsewhere a test without them skips,
 * saying why (`missingReason`). Under CI a missing binary is an error, never a skip.
 */

const PG_DIRS = ['/usr/lib/postgresql'];

function onPath(name: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Debian puts PostgreSQL's server programs in /usr/lib/postgresql/<version>/bin, off PATH. */
function postgresBin(name: string): string | undefined {
  const found = onPath(name);
  if (found) return found;
  for (const base of PG_DIRS) {
    if (!existsSync(base)) continue;
    const versions = readdirSync(base).filter((entry) => /^\d+$/.test(entry)).sort((a, b) => Number(b) - Number(a));
    for (const version of versions) if (existsSync(join(base, version, 'bin', name))) return join(base, version, 'bin', name);
  }
  return undefined;
}

const REDIS = onPath('redis-server');
const INITDB = postgresBin('initdb');
const POSTGRES = postgresBin('postgres');

function missing(what: string, hint: string): string | undefined {
  if (process.env['CI'] === 'true') throw new Error(`${what} is not installed, and CI must run these tests (.ci/run installs ${hint})`);
  return `${what} is not installed (Debian: apt-get install ${hint})`;
}

/** Why Redis tests cannot run here, or undefined when they can. */
export const redisMissing: string | undefined = REDIS ? undefined : missing('redis-server', 'redis-server');
/** Why PostgreSQL tests cannot run here, or undefined when they can. */
export const postgresMissing: string | undefined = INITDB && POSTGRES ? undefined : missing('PostgreSQL (initdb, postgres)', 'postgresql');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitUntil(ready: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} did not start within ${timeoutMs} ms`);
}

async function accepts(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Ready when a session can run a query (the port opens before recovery ends: "the database system is starting up"). */
async function answers(port: number): Promise<boolean> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 1_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function running(child: ChildProcess | undefined): boolean {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

/** The last few KB a child wrote to stderr; reading it also keeps a chatty server from blocking on a full pipe. */
function tail(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.on('data', (chunk: Buffer) => (text = (text + chunk.toString()).slice(-4_096)));
  return () => text.trim();
}

/** Ready once `child` answers; fails at once, with what it said, if it exits first. */
async function untilServing(child: ChildProcess, said: () => string, ready: () => Promise<boolean>, what: string, timeoutMs?: number): Promise<void> {
  await waitUntil(async () => {
    if (!running(child)) throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it answered: ${said()}`);
    // An older process on the same port may still answer while it shuts down: the answer counts only while ours runs.
    return (await ready()) && running(child);
  }, what, timeoutMs);
}

/** Until no process has `pid` (a signal 0 probe); EPERM means it exists under another user. */
async function gone(pid: number, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return;
    }
    if (Date.now() > deadline) throw new Error(`${what} (pid ${pid}) did not stop within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

export type RedisServer = {
  port: number;
  url: string;
  /** kill -9: the server dies with whatever it held (no save). */
  kill(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing answers (a stalled server); `thaw` resumes it. */
  freeze(): void;
  thaw(): void;
  /** Starts it again on the same port (empty, as a crashed Redis without persistence comes back). */
  restart(): Promise<void>;
  stop(): Promise<void>;
};

/** A `redis-server` on a free loopback port, in-memory only (no RDB, no AOF), in a temp dir. */
export async function startRedis(): Promise<RedisServer> {
  if (!REDIS) throw new Error(redisMissing ?? 'redis-server is missing');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  // Idempotent: a second launch while one runs would fail to bind and leave `child` pointing at the dead one.
  const launch = async (): Promise<void> => {
    if (running(child)) return;
    const current = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = current;
    await untilServing(current, tail(current), () => accepts(port), `redis-server on port ${port}`);
  };
  await launch();
  const kill = async (): Promise<void> => {
    if (!child) return;
    const current = child;
    child = undefined;
    current.kill('SIGKILL');
    await exited(current);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
    restart: launch,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type PostgresServer = {
  port: number;
  /** A database of its own for the test, owned by the `postgres` superuser, no password (trust on loopback). */
  url: string;
  /** Stops the server (a fast shutdown) and keeps its data; `start` brings it back on the same port. */
  pause(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * A PostgreSQL cluster made by `initdb` in a temp dir and a `postgres` on a free loopback port.
 * As root (CI), initdb refuses to run: the cluster then belongs to the `postgres` or `nobody` user.
 */
export async function startPostgres(): Promise<PostgresServer> {
  if (!INITDB || !POSTGRES) throw new Error(postgresMissing ?? 'PostgreSQL is missing');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  const asUser = process.getuid?.() === 0 ? runAs() : undefined;
  if (asUser) spawnSync('chown', ['-R', asUser, dir]);
  const run = (command: string, args: string[]): ChildProcess => {
    const full = asUser ? ['-u', asUser, '--', command, ...args] : args;
    return spawn(asUser ? 'runuser' : command, full, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const init = run(INITDB, ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  let initError = '';
  init.stderr?.on('data', (chunk: Buffer) => (initError += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => init.once('exit', resolve));
  if (code !== 0) throw new Error(`initdb failed (${code}): ${initError}`);
  let child: ChildProcess | undefined;
  // Idempotent (tests call it from `finally` too): a second postmaster on the same data dir exits at once on the lock file.
  const start = async (): Promise<void> => {
    if (running(child)) return;
    const current = run(POSTGRES, ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200']);
    child = current;
    await untilServing(current, tail(current), () => answers(port), `postgres on port ${port}`, 30_000);
  };
  await start();
  // The postmaster's own pid (runuser may not pass signals on): SIGINT is PostgreSQL's fast shutdown.
  const pause = async (): Promise<void> => {
    if (!child) return;
    const current = child;
    child = undefined;
    const pidFile = join(data, 'postmaster.pid');
    const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : undefined;
    if (pid) {
      process.kill(pid, 'SIGINT');
      // The postmaster itself, not runuser: a restart before it is gone finds the lock file and exits.
      await gone(pid, `postgres on port ${port}`);
    } else current.kill('SIGINT');
    await exited(current);
  };
  return {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pause,
    start,
    stop: async () => {
      await pause();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function runAs(): string {
  for (const user of ['postgres', 'nobody']) if (spawnSync('id', ['-u', user]).status === 0) return user;
  throw new Error('initdb cannot run as root, and there is no postgres or nobody user to run it as');
}
