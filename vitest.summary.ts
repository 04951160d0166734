// A vitest reporter that ends the run with one plain line, "N passed, N failed, N skipped",
// so the total of every project reads at a glance (and by machines) after `pnpm test`.
import type { Reporter, TestModule } from "vitest/node";

/** Prints the run's totals as the last line; a module that failed to load counts as failed. */
export default class SummaryLine implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of modules) {
      let tests = 0;
      for (const test of module.children.allTests()) {
        tests++;
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else skipped++;
      }
      if (tests === 0 && module.state() === "failed") failed++;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
