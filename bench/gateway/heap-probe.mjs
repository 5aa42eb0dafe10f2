// Preloaded into a benchmark target (HEAP_PROBE_ARGS in processes.mjs): on SIGUSR2 it runs a full
// garbage collection and writes the heap left, the live set, to liveHeapFile(pid). Peak RSS also
// carries whatever garbage V8 lets pile up between full collections (V8's policy, the same for
// every Node process); the live set is what the process itself holds.
import { renameSync, writeFileSync } from 'node:fs';
import { liveHeapFile } from './processes.mjs';

process.on('SIGUSR2', () => {
  globalThis.gc();
  const file = liveHeapFile(process.pid);
  writeFileSync(`${file}.part`, JSON.stringify({ liveHeapMb: process.memoryUsage().heapUsed / 1048576 }));
  renameSync(`${file}.part`, file);
});
