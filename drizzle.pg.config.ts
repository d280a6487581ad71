import { defineConfig } from "drizzle-kit";

// The PostgreSQL engine's migrations (`npm run db:generate:pg`); SQLite's are in drizzle.config.ts.
// src/store/schema-pg.ts mirrors src/store/schema.ts: src/store/schema-drift.test.ts keeps them in
// step and fails when db/migrations-pg was not regenerated after a schema edit.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/store/schema-pg.ts",
  out: "./db/migrations-pg",
});
