/**
 * The application's SQL is written once, in SQLite's dialect (what better-sqlite3 and drizzle's
 * sqlite-core speak). This turns one statement into PostgreSQL's, token by token, for the
 * differences that the code actually uses; anything else SQLite-only fails loudly on
 * PostgreSQL's side and gets a portable rewrite at its call site instead.
 *
 * - placeholders `?`, `?NNN`, `@name`, `:name`, `$name` -> `$1..$n` (each occurrence its own
 *   number, so that PostgreSQL infers each one's type from where it stands), and `$n::text`
 *   before `IS [NOT] NULL`, where nothing else would tell PostgreSQL the type;
 * - unquoted camelCase identifiers (aliases such as `run_at AS runAt`) quoted, since PostgreSQL
 *   folds unquoted names to lower case and SQLite does not;
 * - `LIKE` -> `ILIKE` (SQLite's LIKE ignores ASCII case);
 * - scalar `max(a, b)` / `min(a, b)` -> `jb_max` / `jb_min` (compatibility functions in the
 *   PostgreSQL migrations: NULL when any argument is NULL, as in SQLite);
 * - `a IS b` / `a IS NOT b` with a value on the right -> `IS [NOT] DISTINCT FROM`;
 * - `CAST(x AS INTEGER)` -> `BIGINT` (SQLite integers are 64-bit), `REAL` -> `DOUBLE PRECISION`;
 * - `INDEXED BY name` / `NOT INDEXED` (SQLite planner hints) dropped;
 * - `INSERT OR IGNORE` -> `INSERT ... ON CONFLICT DO NOTHING`;
 * - a subquery in FROM without an alias gets one (PostgreSQL 15 wants it);
 * - `null` given for an `id` column in INSERT ... VALUES -> DEFAULT (drizzle writes it);
 * - `ON CONFLICT ("table"."column")` -> `ON CONFLICT ("column")`.
 */
export interface Translated {
  text: string;
  /** For each `$n`: the 0-based position of a positional argument, or the name of a named one. */
  params: (number | string)[];
}

type Token =
  | { kind: "word"; text: string }
  | { kind: "quoted"; text: string }
  | { kind: "string"; text: string }
  | { kind: "param"; positional: number | null; name: string | null }
  | { kind: "space"; text: string }
  | { kind: "punct"; text: string };

function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let nextPositional = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'") {
      let j = i + 1;
      for (;;) {
        if (j >= sql.length) throw new Error("unterminated string literal");
        if (sql[j] === "'") {
          if (sql[j + 1] === "'") j += 2;
          else break;
        } else j++;
      }
      out.push({ kind: "string", text: sql.slice(i, j + 1) });
      i = j + 1;
    } else if (c === '"' || c === "`" || c === "[") {
      const close = c === "[" ? "]" : c;
      const j = sql.indexOf(close, i + 1);
      if (j < 0) throw new Error("unterminated quoted identifier");
      out.push({ kind: "quoted", text: `"${sql.slice(i + 1, j)}"` });
      i = j + 1;
    } else if (c === "-" && sql[i + 1] === "-") {
      const j = sql.indexOf("\n", i);
      const end = j < 0 ? sql.length : j;
      out.push({ kind: "space", text: " " });
      i = end;
    } else if (c === "/" && sql[i + 1] === "*") {
      const j = sql.indexOf("*/", i + 2);
      out.push({ kind: "space", text: " " });
      i = j < 0 ? sql.length : j + 2;
    } else if (/\s/.test(c)) {
      let j = i;
      while (j < sql.length && /\s/.test(sql[j]!)) j++;
      out.push({ kind: "space", text: sql.slice(i, j) });
      i = j;
    } else if (c === "?") {
      let j = i + 1;
      while (j < sql.length && /[0-9]/.test(sql[j]!)) j++;
      const explicit = j > i + 1 ? Number(sql.slice(i + 1, j)) - 1 : null;
      const positional = explicit ?? nextPositional;
      nextPositional = positional + 1;
      out.push({ kind: "param", positional, name: null });
      i = j;
    } else if ((c === "@" || c === ":" || c === "$") && /[A-Za-z_]/.test(sql[i + 1] ?? "")) {
      let j = i + 1;
      while (j < sql.length && /[A-Za-z0-9_]/.test(sql[j]!)) j++;
      out.push({ kind: "param", positional: null, name: sql.slice(i + 1, j) });
      i = j;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < sql.length && /[A-Za-z0-9_$]/.test(sql[j]!)) j++;
      out.push({ kind: "word", text: sql.slice(i, j) });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i;
      while (j < sql.length && /[0-9.eE]/.test(sql[j]!)) j++;
      out.push({ kind: "punct", text: sql.slice(i, j) });
      i = j;
    } else {
      out.push({ kind: "punct", text: c });
      i++;
    }
  }
  return out;
}

const CAMEL = /^[a-z][a-z0-9_]*[A-Z][A-Za-z0-9_]*$/;
const IS_CONSTANTS = new Set(["NULL", "TRUE", "FALSE", "DISTINCT", "UNKNOWN"]);

/** Index of the next non-space token at or after `i` (tokens.length when none). */
function next(tokens: Token[], i: number): number {
  let j = i;
  while (j < tokens.length && tokens[j]!.kind === "space") j++;
  return j;
}

function prev(tokens: Token[], i: number): number {
  let j = i;
  while (j >= 0 && tokens[j]!.kind === "space") j--;
  return j;
}

const upper = (t: Token | undefined): string =>
  t && t.kind === "word" ? t.text.toUpperCase() : "";

/** Number of top-level arguments of the call whose "(" is at `open`. */
function argumentCount(tokens: Token[], open: number): number {
  let depth = 0;
  let commas = 0;
  for (let j = open; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (t.kind !== "punct") continue;
    if (t.text === "(") depth++;
    else if (t.text === ")") {
      depth--;
      if (depth === 0) return commas + 1;
    } else if (t.text === "," && depth === 1) commas++;
  }
  return commas + 1;
}

/** Words that may follow a FROM subquery that has no alias. */
const AFTER_FROM_ITEM = new Set([
  "WHERE",
  "GROUP",
  "ORDER",
  "LIMIT",
  "OFFSET",
  "UNION",
  "EXCEPT",
  "INTERSECT",
  "JOIN",
  "LEFT",
  "RIGHT",
  "INNER",
  "CROSS",
  "FULL",
  "NATURAL",
  "ON",
  "HAVING",
  "WINDOW",
  "USING",
  "RETURNING",
]);

const SUBQUERY_START = new Set(["SELECT", "WITH", "VALUES"]);

/** The ")" closing the "(" at `open` (tokens.length when unbalanced). */
function closing(tokens: Token[], open: number): number {
  let depth = 0;
  for (let j = open; j < tokens.length; j++) {
    const t = tokens[j]!;
    if (t.kind !== "punct") continue;
    if (t.text === "(") depth++;
    else if (t.text === ")" && --depth === 0) return j;
  }
  return tokens.length;
}

/**
 * Closing parentheses of subqueries in FROM or JOIN that have no alias: SQLite allows them,
 * PostgreSQL before 16 does not.
 */
function unaliasedSubqueries(tokens: Token[]): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== "punct" || t.text !== "(") continue;
    const before = upper(tokens[prev(tokens, i - 1)]);
    // Only FROM and JOIN: after a comma the "(" may as well be a scalar subquery argument.
    if (before !== "FROM" && before !== "JOIN") continue;
    if (!SUBQUERY_START.has(upper(tokens[next(tokens, i + 1)]))) continue;
    const close = closing(tokens, i);
    if (close >= tokens.length) continue;
    const after = tokens[next(tokens, close + 1)];
    const aliased =
      after !== undefined &&
      (after.kind === "quoted" || (after.kind === "word" && !AFTER_FROM_ITEM.has(upper(after))));
    if (!aliased) out.add(close);
  }
  return out;
}

/**
 * Positions of `null` literals given for the `id` column in `INSERT ... (cols) VALUES (...)`:
 * drizzle's SQLite dialect writes them for a column without a value, and SQLite then picks the
 * next rowid; PostgreSQL's identity column wants DEFAULT there.
 */
function nullIds(tokens: Token[]): Set<number> {
  const out = new Set<number>();
  const insert = next(tokens, 0);
  if (upper(tokens[insert]) !== "INSERT") return out;
  let open = -1;
  for (let i = insert; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === "punct" && t.text === "(") {
      open = i;
      break;
    }
    if (upper(t) === "VALUES" || upper(t) === "SELECT") return out;
  }
  if (open < 0) return out;
  const close = closing(tokens, open);
  const columns: string[] = [];
  for (let i = open + 1; i < close; i++) {
    const t = tokens[i]!;
    if (t.kind === "quoted") columns.push(t.text.slice(1, -1).toLowerCase());
    else if (t.kind === "word") columns.push(t.text.toLowerCase());
  }
  const idAt = columns.indexOf("id");
  if (idAt < 0) return out;
  let i = next(tokens, close + 1);
  if (upper(tokens[i]) !== "VALUES") return out;
  i = next(tokens, i + 1);
  while (tokens[i]?.kind === "punct" && (tokens[i] as { text: string }).text === "(") {
    const end = closing(tokens, i);
    let depth = 0;
    let column = 0;
    for (let j = i + 1; j < end; j++) {
      const t = tokens[j]!;
      if (t.kind === "punct" && t.text === "(") depth++;
      else if (t.kind === "punct" && t.text === ")") depth--;
      else if (t.kind === "punct" && t.text === "," && depth === 0) column++;
      else if (column === idAt && depth === 0 && upper(t) === "NULL") out.add(j);
    }
    i = next(tokens, end + 1);
    if (tokens[i]?.kind === "punct" && (tokens[i] as { text: string }).text === ",")
      i = next(tokens, i + 1);
    else break;
  }
  return out;
}

/**
 * Table qualifiers inside `ON CONFLICT (...)` (drizzle's SQLite dialect writes
 * `("counters"."name")`; PostgreSQL wants bare column names there): the tokens to drop.
 */
function conflictQualifiers(tokens: Token[]): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < tokens.length; i++) {
    if (upper(tokens[i]) !== "CONFLICT" || upper(tokens[prev(tokens, i - 1)]) !== "ON") continue;
    const open = next(tokens, i + 1);
    const o = tokens[open];
    if (o?.kind !== "punct" || o.text !== "(") continue;
    const close = closing(tokens, open);
    for (let j = open + 1; j < close; j++) {
      const t = tokens[j]!;
      const dot = tokens[j + 1];
      if ((t.kind === "quoted" || t.kind === "word") && dot?.kind === "punct" && dot.text === ".") {
        out.add(j);
        out.add(j + 1);
      }
    }
  }
  return out;
}

/** Translates one SQLite statement into PostgreSQL's dialect (see the module comment). */
export function translate(sql: string): Translated {
  const tokens = tokenize(sql);
  const dropped = conflictQualifiers(tokens);
  const needsAlias = unaliasedSubqueries(tokens);
  const defaultIds = nullIds(tokens);
  const params: (number | string)[] = [];
  const out: string[] = [];
  let insertOrIgnore = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (dropped.has(i)) continue;
    if (t.kind === "param") {
      params.push(t.name ?? t.positional!);
      let text = `$${params.length}`;
      const n = next(tokens, i + 1);
      const n2 = next(tokens, n + 1);
      const n3 = next(tokens, n2 + 1);
      if (
        upper(tokens[n]) === "IS" &&
        (upper(tokens[n2]) === "NULL" ||
          (upper(tokens[n2]) === "NOT" && upper(tokens[n3]) === "NULL"))
      ) {
        text += "::text";
      }
      out.push(text);
      continue;
    }
    if (t.kind !== "word") {
      out.push(needsAlias.has(i) ? `) AS jb_sub${i}` : t.text);
      continue;
    }
    if (defaultIds.has(i)) {
      out.push("DEFAULT");
      continue;
    }
    const word = t.text.toUpperCase();
    const n = next(tokens, i + 1);
    if (word === "INSERT" && upper(tokens[n]) === "OR") {
      const what = next(tokens, n + 1);
      if (upper(tokens[what]) !== "IGNORE") {
        throw new Error(
          `INSERT OR ${upper(tokens[what])} has no PostgreSQL equivalent; use ON CONFLICT`,
        );
      }
      insertOrIgnore = true;
      out.push("INSERT");
      i = what;
      continue;
    }
    if (word === "INDEXED" && upper(tokens[n]) === "BY") {
      i = next(tokens, n + 1); // skip the index name
      continue;
    }
    if (word === "NOT" && upper(tokens[n]) === "INDEXED") {
      i = n;
      continue;
    }
    if (word === "LIKE") {
      out.push("ILIKE");
      continue;
    }
    if (
      (word === "MAX" || word === "MIN") &&
      tokens[n]?.kind === "punct" &&
      tokens[n]!.text === "("
    ) {
      out.push(argumentCount(tokens, n) > 1 ? (word === "MAX" ? "jb_max" : "jb_min") : t.text);
      continue;
    }
    if ((word === "INTEGER" || word === "REAL") && upper(tokens[prev(tokens, i - 1)]) === "AS") {
      out.push(word === "INTEGER" ? "BIGINT" : "DOUBLE PRECISION");
      continue;
    }
    if (word === "IS") {
      let j = n;
      let not = false;
      if (upper(tokens[j]) === "NOT") {
        not = true;
        j = next(tokens, j + 1);
      }
      const rhs = tokens[j];
      if (rhs && !IS_CONSTANTS.has(upper(rhs))) {
        out.push(not ? "IS DISTINCT FROM " : "IS NOT DISTINCT FROM ");
        i = j - 1;
        continue;
      }
    }
    out.push(CAMEL.test(t.text) ? `"${t.text}"` : t.text);
  }
  let text = out.join("");
  if (insertOrIgnore) {
    const m = /\sRETURNING\s/i.exec(text);
    text = m
      ? `${text.slice(0, m.index)} ON CONFLICT DO NOTHING${text.slice(m.index)}`
      : `${text.replace(/;\s*$/, "")} ON CONFLICT DO NOTHING`;
  }
  return { text, params };
}
