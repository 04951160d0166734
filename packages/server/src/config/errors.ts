// The config's error type: every problem found in a file, each on its own line with its place.

/** Where a value sits in the config: object keys and list indexes, outermost first. */
export type KeyPath = readonly (string | number)[];

/** One thing wrong with a config. */
export interface ConfigProblem {
  /** The key path as text, e.g. `web.limits.maxFrame` or `web.routes[1].handler`; '' for the file itself. */
  path: string;
  /** What was expected, e.g. `expected a size like '128K', got 'big'`. */
  message: string;
  /** 1-based line of the key (or list entry) in the file, when it could be found. */
  line?: number;
  /** 1-based column of the key (or list entry) in the file, when it could be found. */
  column?: number;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * Write a key path as text: `web.limits.maxFrame`, `web.routes[0].match`, and `web["odd key"]`
 * for keys that are not identifiers.
 * @param path the keys and indexes, outermost first.
 * @returns the path as text; '' for the empty path.
 */
export function formatPath(path: KeyPath): string {
  let text = "";
  for (const key of path) {
    if (typeof key === "number") text += `[${key}]`;
    else if (!IDENTIFIER.test(key)) text += `[${JSON.stringify(key)}]`;
    else text += text === "" ? key : `.${key}`;
  }
  return text;
}

/** One problem as a line: `file:line:column: path: message`, leaving out the parts not known. */
function formatProblem(file: string | undefined, problem: ConfigProblem): string {
  const place = file !== undefined && problem.line !== undefined
    ? `${file}:${problem.line}:${problem.column ?? 1}`
    : file;
  return [place, problem.path, problem.message].filter((part) => part !== undefined && part !== "").join(": ");
}

/**
 * Thrown when a config cannot be used: it is missing, unreadable, not json5, or holds values
 * that are wrong. The message lists every problem, one per line, for example
 * `web.json5:12:5: web.limits.maxFrame: expected a size like '128K', got 'big'`.
 */
export class ConfigError extends Error {
  /** The config file as it was named to the loader; undefined for settings not read from a file. */
  readonly file: string | undefined;
  /** Every problem found, in the order they were found. */
  readonly problems: readonly ConfigProblem[];

  /**
   * @param file the config file as named by the user, or undefined.
   * @param problems what is wrong; at least one.
   */
  constructor(file: string | undefined, problems: readonly ConfigProblem[]) {
    super(problems.map((problem) => formatProblem(file, problem)).join("\n"));
    this.name = "ConfigError";
    this.file = file;
    this.problems = problems;
  }
}
