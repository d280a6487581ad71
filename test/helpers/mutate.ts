/**
 * Structural mutations of a JSON payload, shared by the fuzz test (test/webhook-fuzz.e2e.test.ts)
 * and the fuzz campaign (bench/chaos/fuzz-campaign.ts): a mutation picks one path of the value
 * (`pick` modulo the number of paths) and deletes, replaces, retypes, deepens or enlarges it.
 */

/** A path into a JSON value: object keys and array indexes. */
export type Path = (string | number)[];

/** Every path of a JSON value, depth first. */
export function pathsOf(value: unknown, at: Path = [], out: Path[] = []): Path[] {
  if (typeof value !== "object" || value === null) return out;
  for (const [k, v] of Object.entries(value)) {
    const path = [...at, Array.isArray(value) ? Number(k) : k];
    out.push(path);
    pathsOf(v, path, out);
  }
  return out;
}

/**
 * Markers put in place of a value and replaced in the serialised text by {@link expandMarkers}
 * (deep nesting or a huge string would be slow or impossible to build as values).
 */
export const DEEP = "\u0000deep\u0000";
export const HUGE = "\u0000huge\u0000";

export type Mutation =
  | { kind: "delete" | "deepen" | "huge" | "retype"; pick: number }
  | { kind: "replace"; pick: number; value: unknown };

/** Applies one mutation in place. */
export function mutate(root: unknown, m: Mutation): void {
  const paths = pathsOf(root);
  const path = paths[m.pick % Math.max(paths.length, 1)];
  if (!path) return;
  let parent = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const key = path[path.length - 1] as string | number;
  const old = parent[key];
  if (m.kind === "delete") {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  } else if (m.kind === "replace") parent[key] = m.value;
  else if (m.kind === "retype") {
    // The same value, another JSON type.
    parent[key] =
      typeof old === "string"
        ? Number(old) || old.length
        : typeof old === "number"
          ? String(old)
          : typeof old === "boolean"
            ? String(old)
            : Array.isArray(old)
              ? Object.fromEntries(old.map((v, i) => [String(i), v]))
              : old === null
                ? {}
                : Object.values(old as object);
  } else parent[key] = m.kind === "deepen" ? DEEP : HUGE;
}

/** The serialised value with the markers expanded to `depth` levels and `hugeLength` characters. */
export function expandMarkers(json: string, depth: number, hugeLength: number): string {
  return json
    .replaceAll(JSON.stringify(DEEP), `${"[".repeat(depth)}{"a":1}${"]".repeat(depth)}`)
    .replaceAll(JSON.stringify(HUGE), JSON.stringify("x".repeat(hugeLength)));
}
