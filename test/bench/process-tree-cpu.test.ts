// The CPU the benchmark charges a target is that of its whole process tree, as the independent
// harness reads it (bench/gateway/process-tree-cpu.mjs).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { treeCpuSeconds } from '../../bench/gateway/process-tree-cpu.mjs';

const ownCpuSeconds = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

describe.skipIf(process.platform !== 'linux')('treeCpuSeconds', () => {
  it("counts a child's CPU in its parent's tree", async () => {
    // The parent idles (the child's stdout keeps it alive); its child burns about 0.4 s of CPU, says so, and stays alive to be counted.
    const child = "const end = Date.now() + 400; while (Date.now() < end); process.stdout.write('burnt\\n'); setInterval(() => {}, 1000);";
    const parent = `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(child)}], { stdio: ['ignore', 'inherit', 'inherit'] }); process.on('SIGTERM', () => { c.kill(); process.exit(); });`;
    const tree = spawn(process.execPath, ['-e', parent], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise((resolve) => tree.stdout.once('data', resolve));
      const own = ownCpuSeconds(tree.pid!);
      const total = treeCpuSeconds(tree.pid!)!;
      expect(total - own).toBeGreaterThanOrEqual(0.3);
    } finally {
      tree.kill();
    }
  });

  it('is undefined for a process that is not running', () => {
    expect(treeCpuSeconds(2 ** 22 + 1)).toBeUndefined();
  });
});
