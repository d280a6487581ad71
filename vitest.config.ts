import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // Tests start real servers and child processes; give slow CI machines room.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: "forks",
  },
});
