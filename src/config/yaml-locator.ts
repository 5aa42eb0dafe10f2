import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type SourcePosition = { line: number; column: number };

/**
 * Finds where a key path sits in the YAML source, for error messages. Falls back to the deepest
 * node that exists (a missing key is reported at its parent). With `atKey`, points at the key
 * itself rather than its value (used for unknown keys).
 */
export function locateInYaml(
  document: Document,
  lineCounter: LineCounter,
  path: readonly PropertyKey[],
  atKey = false,
): SourcePosition | undefined {
  let node: unknown = document.contents;
  let best: Node | undefined = isNode(node) ? node : undefined;
  for (let index = 0; index < path.length; index++) {
    const segment = path[index];
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      const isLast = index === path.length - 1;
      if (isLast && atKey && isNode(pair.key)) {
        best = pair.key;
        break;
      }
      node = pair.value;
      if (isNode(node)) best = node;
      else if (isNode(pair.key)) best = pair.key;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      if (!isNode(node)) break;
      best = node;
    } else {
      break;
    }
  }
  const offset = best?.range?.[0];
  if (offset === undefined) return undefined;
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value;
}
