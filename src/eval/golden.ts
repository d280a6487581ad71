import { z } from "zod";

/** One labelled customer message of a golden file (format: eval/README.md). */
export const goldenRecordSchema = z.object({
  id: z.string().min(1),
  lang: z.enum(["id", "en"]),
  text: z.string().min(1),
  category: z.string().min(1),
  tier: z.enum(["fast", "smart"]).optional(),
  handoff: z.boolean().default(false),
  action: z.literal("optout").optional(),
  flag: z.literal("injection").optional(),
});

/** A validated golden record. */
export type GoldenRecord = z.infer<typeof goldenRecordSchema>;

/** A golden file that cannot be used; `line` is 1-based, absent for whole-file problems. */
export class GoldenFileError extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = "GoldenFileError";
  }
}

/**
 * Parse and validate a golden JSONL text: one JSON object per line, blank lines ignored, ids
 * unique. Throws a {@link GoldenFileError} naming the first bad line.
 */
export function parseGolden(text: string): GoldenRecord[] {
  const records: GoldenRecord[] = [];
  const seen = new Map<string, number>();
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = index + 1;
    if (raw.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new GoldenFileError(`not valid JSON (${(err as Error).message})`, line);
    }
    const parsed = goldenRecordSchema.safeParse(value);
    if (!parsed.success) {
      const problems = parsed.error.issues.map(
        (i) => `${i.path.join(".") || "(record)"}: ${i.message}`,
      );
      throw new GoldenFileError(problems.join("; "), line);
    }
    const first = seen.get(parsed.data.id);
    if (first !== undefined) {
      throw new GoldenFileError(
        `duplicate id ${JSON.stringify(parsed.data.id)} (first on line ${first})`,
        line,
      );
    }
    seen.set(parsed.data.id, line);
    records.push(parsed.data);
  }
  if (records.length === 0) throw new GoldenFileError("no records");
  return records;
}
