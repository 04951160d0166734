import { describe, expect, it } from "vitest";
import { renderWorkload } from "./report.js";
import type { ServerRow } from "./runner.js";
import { WORKLOADS } from "./workloads.js";

const b = WORKLOADS[1];
const f = WORKLOADS[5];
const sample = (rate: number, p50 = 1, cpuUs?: number) => ({ rate, mbps: rate / 1e4, p50, p99: p50 * 3, cpuUs });

describe("renderWorkload", () => {
  it("shows medians, ratios to ws, whether the goal is met, and the generator check", () => {
    const rows: ServerRow[] = [
      { server: "ws", samples: [sample(90_000, 1, 12), sample(100_000, 1, 10), sample(110_000, 1, 9)] },
      { server: "fiberws", samples: [sample(450_000, 1, 2.5)] },
      { server: "raw", samples: [sample(250_000)] },
    ];
    const text = renderWorkload({ workload: b, rows }).join("\n");
    expect(text).toContain("| server | msgs/s | spread | MB/s | p50 ms | p99 ms | server CPU us/msg | msgs/s vs ws |");
    expect(text).toContain("| ws | 100,000 | 20.0% | 10.0 | 1.00 | 3.00 | 10.0 | 1.00x |");
    expect(text).toContain("| fiberws | 450,000 | 0.0% | 45.0 | 1.00 | 3.00 | 2.5 | 4.50x |");
    expect(text).toContain("| raw | 250,000 | 0.0% | 25.0 | 1.00 | 3.00 |  | 2.50x |");
    expect(text).toContain("measured 4.50x: met.");
    expect(text).toContain("raw echo reached 2.50x ws (needs >= 3x) — the load generator may be the bottleneck");
  });

  it("gives churn's server CPU per connection", () => {
    const e = WORKLOADS[4];
    const text = renderWorkload({ workload: e, rows: [{ server: "ws", samples: [sample(9000, 0.7, 95)] }] }).join("\n");
    expect(text).toContain("| server CPU us/conn | conns/s vs ws |");
    expect(text).toContain("| ws | 9,000 | 0.0% | 0.9 | 0.700 | 2.10 | 95.0 | 1.00x |");
  });

  it("says fiberws is not built instead of a figure", () => {
    const rows: ServerRow[] = [
      { server: "ws", samples: [sample(1000)] },
      { server: "fiberws", samples: [], note: "not built" },
    ];
    const text = renderWorkload({ workload: b, rows }).join("\n");
    expect(text).toContain("| fiberws | not built |");
    expect(text).toContain("not measured (not built)");
  });

  it("compares memory per connection, lower being better", () => {
    const rows: ServerRow[] = [
      { server: "ws", samples: [{ rssPerConnection: 8192, heapPerConnection: 4096 }] },
      { server: "fiberws", samples: [{ rssPerConnection: 16384, heapPerConnection: 4096 }] },
    ];
    const text = renderWorkload({ workload: f, rows }).join("\n");
    expect(text).toContain("| fiberws | 16.0 | 0.0% | 4.0 | 2.00x | 1.00x |");
    expect(text).toContain("measured 2.00x: NOT met.");
  });
});
