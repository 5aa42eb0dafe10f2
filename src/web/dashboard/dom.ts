/**
 * DOM helpers: data only ever becomes text nodes or attribute values, never HTML (trace content,
 * prompt previews, error messages and labels come from users).
 */

const SVG_NS = 'http://www.w3.org/2000/svg';

export type Child = Node | string | number | null | undefined | false | readonly Child[];
type AttrValue = string | number | boolean | null | undefined | ((event: Event) => void);
export type Attrs = Record<string, AttrValue> | null;

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`The page has no #${id}.`);
  return node as T;
}

function setAttrs(node: Element, attrs: Attrs): void {
  if (!attrs) return;
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') {
      if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      continue;
    }
    node.setAttribute(name, value === true ? '' : String(value));
  }
}

export function append(node: Node, child: Child): void {
  if (child === undefined || child === null || child === false) return;
  if (Array.isArray(child)) {
    for (const item of child as readonly Child[]) append(node, item);
    return;
  }
  node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

export function svg(tag: string, attrs: Attrs, ...children: Child[]): SVGElement {
  const node = document.createElementNS(SVG_NS, tag) as SVGElement;
  setAttrs(node, attrs);
  append(node, children);
  return node;
}

export function clear<T extends Node>(node: T): T {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function fill<T extends Node>(node: T, ...children: Child[]): T {
  clear(node);
  append(node, children);
  return node;
}
