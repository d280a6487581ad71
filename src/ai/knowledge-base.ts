import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import Database from "better-sqlite3";
import { detectLanguage } from "../core/language.ts";
import type { Logger } from "../logger.ts";
import { contentWords, words } from "./text.ts";

/** One FAQ entry: a `## question` heading of a Markdown file and the text under it. */
export interface KbEntry {
  id: number;
  /** The file, relative to the knowledge folder. */
  file: string;
  /** The file's `# title`, used as a topic. */
  topic: string;
  question: string;
  /** Other phrasings from a `Keywords:` / `Kata kunci:` line; not part of the answer. */
  keywords: string;
  answer: string;
  language: "id" | "en";
}

export interface KbHit {
  entry: KbEntry;
  /** FTS5 BM25 rank (lower is better). */
  rank: number;
  /** Share of the question's topic words found in the entry's question and keywords. */
  coverage: number;
}

export interface KnowledgeBase {
  /** Hash of the indexed content: changes whenever a file does (part of the answer-cache key). */
  readonly version: string;
  readonly size: number;
  /** Re-indexes when files changed since the last look (stat checks, throttled). */
  refresh(): boolean;
  /** Best entries for a text, best first; entries in `language` first when given. */
  search(text: string, opts?: { limit?: number; language?: "id" | "en" }): KbHit[];
  /**
   * The entry that answers the text on its own, to send verbatim when no model can answer: in
   * the customer's language, covering at least 3/4 of the question's topic words, and not tied.
   */
  strongMatch(text: string, language: "id" | "en"): KbHit | null;
  /** The whole knowledge base as prompt text, or null when longer than `maxChars`. */
  fullText(maxChars: number): string | null;
  close(): void;
}

export interface KnowledgeBaseOptions {
  dir: string;
  logger: Logger;
  /** Minimum time between two looks at the folder. Default 2 s. */
  checkIntervalMs?: number;
  now?: () => number;
}

const KEYWORDS_RE = /^\s*(?:keywords|kata kunci)\s*:\s*(.+)$/im;
const STRONG_COVERAGE = 0.75;

/** Parses one Markdown FAQ file into entries (without ids). */
export function parseFaqFile(text: string, file: string): Omit<KbEntry, "id">[] {
  const langHint = /\.(id|en)\.md$/i.exec(file)?.[1]?.toLowerCase() as "id" | "en" | undefined;
  let topic = file.replace(/\.(id|en)?\.?md$/i, "");
  const out: Omit<KbEntry, "id">[] = [];
  let current: { question: string; lines: string[] } | null = null;
  const flush = () => {
    if (!current) return;
    let body = current.lines.join("\n").trim();
    const kw = KEYWORDS_RE.exec(body);
    const keywords = kw ? kw[1]!.trim() : "";
    if (kw) body = body.replace(KEYWORDS_RE, "").trim();
    if (body !== "") {
      out.push({
        file,
        topic,
        question: current.question,
        keywords,
        answer: body,
        language: langHint ?? detectLanguage(`${current.question} ${body}`, "id"),
      });
    }
    current = null;
  };
  for (const line of text.split(/\r?\n/)) {
    const h1 = /^#\s+(.+)$/.exec(line);
    const h2 = /^##\s+(.+)$/.exec(line);
    if (h1) {
      flush();
      topic = h1[1]!.trim();
    } else if (h2) {
      flush();
      current = { question: h2[1]!.trim(), lines: [] };
    } else if (current) {
      current.lines.push(line);
    }
  }
  flush();
  return out;
}

function listMarkdown(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true }) as string[];
  } catch {
    return [];
  }
  return names
    .filter((n) => n.toLowerCase().endsWith(".md") && !/(^|\/)readme\.md$/i.test(n))
    .sort();
}

/**
 * The knowledge base: Markdown FAQ files indexed into an SQLite FTS5 table (BM25 ranking). The
 * index lives in its own in-memory SQLite database: it is derived data rebuilt at every start in
 * a few milliseconds, so it needs no migration and never holds the service database's write lock.
 */
export function createKnowledgeBase(opts: KnowledgeBaseOptions): KnowledgeBase {
  const now = opts.now ?? Date.now;
  const interval = opts.checkIntervalMs ?? 2000;
  const db = new Database(":memory:");
  db.exec(`CREATE VIRTUAL TABLE kb USING fts5(
    question, keywords, answer, topic UNINDEXED, file UNINDEXED, language UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2')`);
  const insert = db.prepare(
    "INSERT INTO kb (rowid, question, keywords, answer, topic, file, language) VALUES (?, ?, ?, ?, ?, ?, ?)",
  );
  const query = db.prepare(
    `SELECT rowid AS id, bm25(kb, 6.0, 4.0, 1.0) AS rank FROM kb WHERE kb MATCH ?
     ORDER BY rank LIMIT ?`,
  );
  let entries = new Map<number, KbEntry>();
  let version = "";
  let fingerprint = "";
  let lastCheck = 0;

  const stamp = () =>
    listMarkdown(opts.dir)
      .map((f) => {
        try {
          const s = statSync(join(opts.dir, f));
          return `${f}:${s.size}:${s.mtimeMs}`;
        } catch {
          return `${f}:gone`;
        }
      })
      .join("|");

  function index() {
    const files = listMarkdown(opts.dir);
    const hash = createHash("sha256");
    const next = new Map<number, KbEntry>();
    let id = 0;
    for (const f of files) {
      const path = join(opts.dir, f);
      let text: string;
      try {
        text = readFileSync(path, "utf8");
      } catch {
        continue;
      }
      hash.update(f).update("\0").update(text).update("\0");
      for (const e of parseFaqFile(text, relative(opts.dir, path))) {
        id++;
        next.set(id, { ...e, id });
      }
    }
    db.transaction(() => {
      db.exec("DELETE FROM kb");
      for (const e of next.values())
        insert.run(e.id, e.question, e.keywords, e.answer, e.topic, e.file, e.language);
    })();
    entries = next;
    version = hash.digest("hex").slice(0, 12);
    fingerprint = stamp();
    lastCheck = now();
    opts.logger.info(
      { dir: opts.dir, files: files.length, entries: next.size, version },
      "knowledge base indexed",
    );
  }

  index();

  // The question's topic words are computed once per search, not once per hit.
  function coverage(q: ReadonlySet<string>, e: KbEntry): number {
    if (q.size === 0) return 0;
    const have = new Set(words(`${e.question} ${e.keywords}`));
    let n = 0;
    for (const w of q) if (have.has(w)) n++;
    return n / q.size;
  }

  const kb: KnowledgeBase = {
    get version() {
      return version;
    },
    get size() {
      return entries.size;
    },
    refresh() {
      if (now() - lastCheck < interval) return false;
      lastCheck = now();
      if (stamp() === fingerprint) return false;
      index();
      return true;
    },
    search(text, o = {}) {
      const q = new Set(contentWords(text));
      const terms = [...q].slice(0, 24);
      if (terms.length === 0 || entries.size === 0) return [];
      const match = terms.map((t) => `"${t.replace(/"/g, "")}"`).join(" OR ");
      const rows = query.all(match, Math.max(10, (o.limit ?? 3) * 3)) as {
        id: number;
        rank: number;
      }[];
      const hits = rows
        .map((r) => ({ entry: entries.get(r.id)!, rank: r.rank }))
        .filter((h) => h.entry)
        .map((h) => ({ ...h, coverage: coverage(q, h.entry) }));
      if (o.language) {
        const lang = o.language;
        hits.sort((a, b) => +(b.entry.language === lang) - +(a.entry.language === lang));
      }
      return hits.slice(0, o.limit ?? 3);
    },
    strongMatch(text, language) {
      const hits = kb
        .search(text, { limit: 5, language })
        .filter((h) => h.entry.language === language && h.coverage >= STRONG_COVERAGE)
        .sort((a, b) => b.coverage - a.coverage || a.rank - b.rank);
      const [best, second] = hits;
      if (!best) return null;
      // Two different entries matching the question equally well: not sure enough to answer alone.
      if (second && second.coverage === best.coverage && second.rank === best.rank) return null;
      return best;
    },
    fullText(maxChars) {
      const parts: string[] = [];
      let topic = "";
      for (const e of entries.values()) {
        if (e.topic !== topic) {
          topic = e.topic;
          parts.push(`### ${topic}`);
        }
        parts.push(`Q: ${e.question}\nA: ${e.answer}`);
      }
      const text = parts.join("\n\n");
      return text.length <= maxChars ? text : null;
    },
    close() {
      db.close();
    },
  };
  return kb;
}
