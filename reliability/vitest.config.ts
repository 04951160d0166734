import { defineProject, mergeConfig } from "vitest/config";
import { sharedConfig } from "../vitest.shared.ts";

// The child-process tests run the built programs, so dist/ is brought up to date first.
export default mergeConfig(
  sharedConfig,
  defineProject({ test: { name: "reliability", globalSetup: ["./global-setup.ts"] } }),
);
