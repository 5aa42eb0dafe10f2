/**
 * Running sums by label values, for counters updated on the request path. prom-client's `inc`
 * builds and checks a key string from the labels object on every call (about 0.4 µs, and a
 * request makes several); here a series is found through one Map per label, keyed by the values
 * as they come (names from the config, whose strings V8 has already hashed). prom-client still
 * owns the exposition: a counter's `collect` copies the sums into it at scrape time.
 */
export class LabeledSums<Name extends string> {
  private readonly root = new Map<string, unknown>();
  private readonly all: { labels: Record<Name, string>; value: number }[] = [];

  constructor(private readonly names: readonly Name[]) {}

  /** `values` in the order of the label names. */
  add(values: readonly string[], amount: number): void {
    let level = this.root;
    const last = this.names.length - 1;
    for (let i = 0; i < last; i++) {
      const value = values[i] as string;
      let next = level.get(value) as Map<string, unknown> | undefined;
      if (!next) {
        next = new Map();
        level.set(value, next);
      }
      level = next;
    }
    const key = values[last] as string;
    let series = level.get(key) as { labels: Record<Name, string>; value: number } | undefined;
    if (!series) {
      const labels = {} as Record<Name, string>;
      this.names.forEach((name, i) => (labels[name] = values[i] as string));
      series = { labels, value: 0 };
      level.set(key, series);
      this.all.push(series);
    }
    series.value += amount;
  }

  series(): readonly { readonly labels: Readonly<Record<Name, string>>; readonly value: number }[] {
    return this.all;
  }
}
