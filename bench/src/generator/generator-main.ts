// Program: a load-generator process; runs the jobs its parent sends over IPC, one at a time.
import { main, scoped, type Operation } from "effection";
import { useInbox } from "../ipc-inbox.js";
import type { FromGenerator, ToGenerator } from "./jobs.js";
import { runJob } from "./run-job.js";

function tell(message: FromGenerator): void {
  process.send?.(message);
}

await main(function* () {
  if (process.send === undefined) throw new Error("the load generator runs as a child process with IPC");
  const next = yield* useInbox<ToGenerator>(process, "disconnect");
  const nextGo = function* (): Operation<void> {
    const message = yield* next();
    if (message?.type !== "go") throw new Error(`expected "go", got ${JSON.stringify(message)}`);
  };
  for (let message = yield* next(); message !== undefined; message = yield* next()) {
    if (message.type !== "job") continue;
    const job = message.job;
    try {
      // scoped: a failing connection task ends this job, not the generator.
      const result = yield* scoped(() => runJob(job, () => tell({ type: "ready" }), nextGo()));
      tell({ type: "result", result });
    } catch (error) {
      tell({ type: "error", message: error instanceof Error ? error.message : String(error) });
    }
  }
});
