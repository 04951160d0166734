// Renders benchmark results as Markdown: one table per workload, its goal, and the generator check.
import type { MemorySample, ServerRow, ThroughputSample, WorkloadResult } from "./runner.js";
import { median, spread } from "./stats.js";
import { itemOf, type GoalMetric } from "./workloads.js";

/** Facts about the run printed above the tables. */
export interface RunFacts {
  date: string;
  command: string;
  node: string;
  cpu: string;
  cores: number;
  rounds: number;
}

/** Raw-echo to ws ratio on (b) below which the load generator may be the bottleneck. */
export const GENERATOR_HEADROOM = 3;

/**
 * Render the whole report.
 * @param results the workloads' results.
 * @param facts the run's circumstances.
 * @returns Markdown text.
 * @example
 * console.log(renderReport(results, facts));
 */
export function renderReport(results: readonly WorkloadResult[], facts: RunFacts): string {
  const lines = [
    `# Benchmark ${facts.date}`,
    "",
    `\`${facts.command}\` — node ${facts.node}, ${facts.cores} × ${facts.cpu}; ` +
      `${facts.rounds} measured round(s), median shown, spread = (max - min) / median.`,
    "",
  ];
  for (const result of results) lines.push(...renderWorkload(result), "");
  return lines.join("\n");
}

/**
 * Render one workload: its table, its goal line, and for (b) the generator check.
 * @param result the workload's rows.
 * @returns Markdown lines.
 */
export function renderWorkload(result: WorkloadResult): string[] {
  const { workload, rows } = result;
  const lines = [`## ${workload.title}`, ""];
  if (workload.goal.metric === "rss") lines.push(...memoryTable(rows));
  else lines.push(...throughputTable(rows, workload.unit, workload.goal.metric));
  lines.push("", goalLine(rows, workload.goal.metric, workload.goal.ratio));
  if (workload.id === "b") lines.push(headroomLine(rows));
  return lines;
}

function throughputTable(rows: readonly ServerRow[], unit: string, metric: GoalMetric): string[] {
  const lines = [
    `| server | ${unit} | spread | MB/s | p50 ms | p99 ms | server CPU us/${itemOf(unit)} | ${metric === "p50" ? "p50" : unit} vs ws |`,
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const ws = figure(rows, "ws", metric);
  for (const row of rows) {
    const samples = row.samples.filter(isThroughput);
    if (samples.length === 0) {
      lines.push(`| ${row.server} | ${cell(row.note ?? "no data")} | | | | | | |`);
      continue;
    }
    const rates = samples.map((s) => s.rate);
    const cpu = samples.flatMap((s) => (s.cpuUs === undefined ? [] : [s.cpuUs]));
    const cells = [
      row.server + (row.note === undefined ? "" : ` (${cell(row.note)})`),
      grouped(median(rates)),
      percent(spread(rates)),
      median(samples.map((s) => s.mbps)).toFixed(1),
      milliseconds(median(samples.map((s) => s.p50))),
      milliseconds(median(samples.map((s) => s.p99))),
      cpu.length === 0 ? "" : median(cpu).toFixed(1),
      ratioText(figure(rows, row.server, metric), ws),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines;
}

function memoryTable(rows: readonly ServerRow[]): string[] {
  const lines = [
    "| server | RSS KiB/conn | spread | V8 heap KiB/conn | RSS vs ws | heap vs ws |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  const wsHeap = heapFigure(rows, "ws");
  for (const row of rows) {
    const samples = row.samples.filter(isMemory);
    if (samples.length === 0) {
      lines.push(`| ${row.server} | ${cell(row.note ?? "no data")} | | | | |`);
      continue;
    }
    const rss = samples.map((s) => s.rssPerConnection);
    const cells = [
      row.server + (row.note === undefined ? "" : ` (${cell(row.note)})`),
      (median(rss) / 1024).toFixed(1),
      percent(spread(rss)),
      (median(samples.map((s) => s.heapPerConnection)) / 1024).toFixed(1),
      ratioText(figure(rows, row.server, "rss"), figure(rows, "ws", "rss")),
      ratioText(heapFigure(rows, row.server), wsHeap),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines;
}

/**
 * The median figure a goal compares, for one server.
 * @param rows the workload's rows.
 * @param server the server's name.
 * @param metric which figure.
 * @returns the median, or undefined without samples.
 */
export function figure(rows: readonly ServerRow[], server: string, metric: GoalMetric): number | undefined {
  const row = rows.find((r) => r.server === server);
  if (row === undefined) return undefined;
  const values =
    metric === "rss"
      ? row.samples.filter(isMemory).map((s) => s.rssPerConnection)
      : row.samples.filter(isThroughput).map((s) => (metric === "rate" ? s.rate : s.p50));
  return values.length === 0 ? undefined : median(values);
}

function heapFigure(rows: readonly ServerRow[], server: string): number | undefined {
  const values = rows.find((r) => r.server === server)?.samples.filter(isMemory).map((s) => s.heapPerConnection) ?? [];
  return values.length === 0 ? undefined : median(values);
}

function goalLine(rows: readonly ServerRow[], metric: GoalMetric, goal: number): string {
  const relation = metric === "rate" ? ">=" : "<=";
  const what = { rate: "throughput", p50: "p50 latency", rss: "RSS per connection" }[metric];
  const ours = figure(rows, "fiberws", metric);
  const ws = figure(rows, "ws", metric);
  const head = `Goal: fiberws ${what} ${relation} ${goal.toFixed(1)}x ws`;
  if (ours === undefined || ws === undefined) {
    const note = rows.find((r) => r.server === "fiberws")?.note ?? rows.find((r) => r.server === "ws")?.note;
    return `${head} — not measured (${cell(note ?? "no data")}).`;
  }
  const ratio = ours / ws;
  const met = metric === "rate" ? ratio >= goal : ratio <= goal;
  return `${head} — measured ${ratio.toFixed(2)}x: ${met ? "met" : "NOT met"}.`;
}

function headroomLine(rows: readonly ServerRow[]): string {
  const raw = figure(rows, "raw", "rate");
  const ws = figure(rows, "ws", "rate");
  if (raw === undefined || ws === undefined) return "Generator check: needs ws and raw figures.";
  const ratio = raw / ws;
  const verdict =
    ratio >= GENERATOR_HEADROOM
      ? "the load generator is not the bottleneck"
      : "the load generator may be the bottleneck: treat high ratios with care";
  return `Generator check: the raw echo reached ${ratio.toFixed(2)}x ws (needs >= ${GENERATOR_HEADROOM}x) — ${verdict}.`;
}

/** A note as one table-safe line. */
function cell(note: string): string {
  const line = note.replace(/\s+/g, " ").replaceAll("|", "\\|");
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

function isThroughput(sample: ThroughputSample | MemorySample): sample is ThroughputSample {
  return "rate" in sample;
}

function isMemory(sample: ThroughputSample | MemorySample): sample is MemorySample {
  return "rssPerConnection" in sample;
}

function ratioText(value: number | undefined, ws: number | undefined): string {
  return value === undefined || ws === undefined || ws === 0 ? "" : `${(value / ws).toFixed(2)}x`;
}

function grouped(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function milliseconds(value: number): string {
  return value >= 10 ? value.toFixed(1) : value.toPrecision(3);
}
