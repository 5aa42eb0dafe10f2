/**
 * `{ ...base, ...changes }`, built without an object literal that begins with a spread. On Node 20
 * such a literal (V8 clones `base`, then gives the clone new properties) makes an object that the
 * young-generation collector keeps, with everything it points to, until the next full collection:
 * on the request path that was a request's routing, trace and response objects, about 1 MB promoted
 * per scavenge under load (docs/development.md, "Object spreads on the request path").
 */
export function merged<Base extends object, Changes extends object>(base: Base, changes: Changes): Merged<Base, Changes> {
  return Object.assign({}, base, changes) as unknown as Merged<Base, Changes>;
}

/** What the spread's type is: `changes` over `base`, member by member of a union. */
type Merged<Base, Changes> = Base extends unknown ? Omit<Base, keyof Changes> & Changes : never;
