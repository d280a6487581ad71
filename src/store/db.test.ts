import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "./db.ts";

const mode = (f: string) => statSync(f).mode & 0o777;

let dir: string;
let umask: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "jembatan-db-"));
  // The most permissive umask: owner-only modes must not depend on it.
  umask = process.umask(0);
});
afterEach(() => {
  process.umask(umask);
  rmSync(dir, { recursive: true, force: true });
});

describe("openDatabase file modes", () => {
  it("creates a missing folder 0700 and the database, -wal and -shm files 0600", () => {
    const path = join(dir, "nested", "data", "jembatan.sqlite");
    const warnings: unknown[] = [];
    const db = openDatabase(path, { warn: (fields) => warnings.push(fields) });
    db.$client.prepare("INSERT INTO settings (key, value) VALUES ('k', 'v')").run();
    expect(mode(join(dir, "nested", "data"))).toBe(0o700);
    expect(mode(path)).toBe(0o600);
    expect(existsSync(`${path}-wal`)).toBe(true);
    expect(mode(`${path}-wal`)).toBe(0o600);
    expect(mode(`${path}-shm`)).toBe(0o600);
    expect(warnings).toEqual([]);
    db.$client.close();
  });

  it("narrows existing wider files to 0600 and warns once", () => {
    const path = join(dir, "jembatan.sqlite");
    openDatabase(path).$client.close();
    // An older deployment: world-readable database and a leftover WAL file.
    chmodSync(path, 0o644);
    writeFileSync(`${path}-wal`, "");
    chmodSync(`${path}-wal`, 0o666);
    const warnings: { fields: Record<string, unknown>; message: string }[] = [];
    const warn = (fields: Record<string, unknown>, message: string) =>
      warnings.push({ fields, message });

    const db = openDatabase(path, { warn });
    expect(mode(path)).toBe(0o600);
    expect(mode(`${path}-wal`)).toBe(0o600);
    expect(mode(`${path}-shm`)).toBe(0o600);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toMatch(/owner-only/);
    expect(warnings[0]?.fields.files).toEqual([
      { file: path, mode: "0644" },
      { file: `${path}-wal`, mode: "0666" },
    ]);
    db.$client.close();

    // Nothing left to narrow: the next open is silent.
    openDatabase(path, { warn }).$client.close();
    expect(warnings).toHaveLength(1);
  });

  it("leaves an existing folder alone", () => {
    chmodSync(dir, 0o755);
    openDatabase(join(dir, "jembatan.sqlite")).$client.close();
    expect(mode(dir)).toBe(0o755);
  });
});
