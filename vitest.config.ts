// Runs every package's tests in one vitest process: one summary for `pnpm test`.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["packages/*", "examples", "bench", "reliability"],
    reporters: ["default", "./vitest.summary.ts"],
  },
});
