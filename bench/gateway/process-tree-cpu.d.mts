/** CPU seconds used so far by `pid` and its live descendants; undefined when `pid` is not running. */
export function treeCpuSeconds(pid: number): number | undefined;
