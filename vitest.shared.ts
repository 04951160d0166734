// Shared vitest settings: tests import workspace packages from their TypeScript
// source through the "@fiberws/source" export condition, so no build is needed.
import { defineConfig } from "vitest/config";

/** The export condition that maps each workspace package to its `src/`. */
export const sourceCondition = "@fiberws/source";

/** Base vitest configuration every package's `vitest.config.ts` extends. */
export const sharedConfig = defineConfig({
  resolve: { conditions: [sourceCondition, "import", "node", "default"] },
  ssr: { resolve: { conditions: [sourceCondition, "import", "node", "default"] } },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    benchmark: { include: ["bench/**/*.bench.ts"] },
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
