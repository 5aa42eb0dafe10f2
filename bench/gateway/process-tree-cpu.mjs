// CPU time of a process and every live process below it, from /proc, as the independent harness
// reads it: a target that runs helpers in child processes is charged for them too. Threads are in
// their process's own figure already. Linux only.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // clock ticks per second of /proc/<pid>/stat on Linux

/** The parent pid and CPU ticks (user + system) of `pid`, or undefined once it has gone. */
function stat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}

/** CPU seconds used so far by `pid` and its live descendants; undefined when `pid` is not running. */
export function treeCpuSeconds(pid) {
  const children = new Map();
  const stats = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const found = stat(entry);
    if (found === undefined) continue;
    stats.set(Number(entry), found);
    children.set(found.parent, [...(children.get(found.parent) ?? []), Number(entry)]);
  }
  if (!stats.has(pid)) return undefined;
  let ticks = 0;
  const queue = [pid];
  for (let next = queue.pop(); next !== undefined; next = queue.pop()) {
    ticks += stats.get(next)?.ticks ?? 0;
    queue.push(...(children.get(next) ?? []));
  }
  return ticks / TICKS;
}
