// Finds the regular file a request path names inside the documents folder and opens it.
import fs from "node:fs";
import path from "node:path";
import { action, resource, until, type Operation } from "effection";
import { isHiddenSegment, type RequestPath } from "./request-path.js";

/** A regular file inside the documents folder, open for reading. */
export interface OpenDocument {
  /** The open file descriptor; owned by {@link useDocument}'s scope, closed when it ends. */
  fd: number;
  /** `fstat` of the open descriptor: the size and times of exactly the bytes that are served. */
  stats: fs.Stats;
  /** The name whose extension gives the type: the last URL segment, or the index name. */
  name: string;
}

/** What a request path leads to. */
export type DocumentLookup =
  | { kind: "found"; document: OpenDocument }
  /** A directory asked for without its trailing slash. */
  | { kind: "redirect" }
  | { kind: "refused"; status: 403 | 404 | 500 };

/** A lookup that did not find an openable file, or the real path of one that did. */
type Located =
  | Exclude<DocumentLookup, { kind: "found" }>
  | { kind: "file"; realPath: string; name: string };

/** Open read-only; never follow a final symlink (it could have been swapped in after the
 *  check) and never block on a FIFO. */
const OPEN_FLAGS =
  fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0);

/**
 * Find and open the file `request` names under `documents`, as a resource: the descriptor stays
 * open until the caller's scope ends, then it is closed (also when the scope is halted while the
 * file is still being opened). The real path of both the documents folder and the target are
 * compared, so a symlink leading outside `documents`, or to a hidden file inside it, is refused
 * with 404, exactly like a file that does not exist. A directory is served through its `index`
 * file (no listings); anything that is not a regular file is 404.
 * @param documents the documents folder (absolute or relative to the working directory)
 * @param index the file name served for a directory, e.g. `index.html`
 * @param request a path accepted by `parseRequestPath`
 * @returns `found` with the open document, `redirect` for a directory without its trailing
 *   slash, or `refused` with 404 (missing, outside, hidden, not a file), 403 (permission) or 500
 *   (the documents folder itself is unusable)
 * @throws never for a missing or forbidden file; only for an unexpected error closing the file
 */
export function useDocument(
  documents: string,
  index: string,
  request: RequestPath,
): Operation<DocumentLookup> {
  return resource(function* (provide) {
    const located = yield* until(locate(documents, index, request));
    if (located.kind !== "file") return yield* provide(located);

    let fd: number;
    try {
      fd = yield* openReadOnly(located.realPath);
    } catch (error) {
      return yield* provide({ kind: "refused", status: statusForError(error) });
    }
    try {
      const stats = yield* fstat(fd);
      yield* provide(
        stats.isFile()
          ? { kind: "found", document: { fd, stats, name: located.name } }
          : { kind: "refused", status: 404 },
      );
    } finally {
      yield* closeDescriptor(fd);
    }
  });
}

async function locate(documents: string, index: string, request: RequestPath): Promise<Located> {
  let root: string;
  try {
    root = await fs.promises.realpath(documents);
  } catch {
    return { kind: "refused", status: 500 };
  }
  try {
    const target = await realpathInside(root, path.join(root, ...request.segments));
    if (target === undefined) return { kind: "refused", status: 404 };
    const stats = await fs.promises.stat(target);
    if (stats.isDirectory()) {
      if (!request.directory) return { kind: "redirect" };
      const indexPath = await realpathInside(root, path.join(target, index));
      if (indexPath === undefined) return { kind: "refused", status: 404 };
      return { kind: "file", realPath: indexPath, name: index };
    }
    // A trailing slash on a file ("/a.txt/") names a directory that does not exist.
    if (request.directory) return { kind: "refused", status: 404 };
    return { kind: "file", realPath: target, name: request.segments.at(-1) ?? "" };
  } catch (error) {
    return { kind: "refused", status: statusForError(error) };
  }
}

/** The real path of `candidate` if it lies inside `root` and crosses no hidden segment. */
async function realpathInside(root: string, candidate: string): Promise<string | undefined> {
  const real = await fs.promises.realpath(candidate);
  const relative = path.relative(root, real);
  if (relative === "") return real;
  if (path.isAbsolute(relative)) return undefined;
  const segments = relative.split(path.sep);
  if (segments[0] === ".." || segments.some(isHiddenSegment)) return undefined;
  return real;
}

function statusForError(error: unknown): 403 | 404 | 500 {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT":
    case "ENOTDIR":
    case "ELOOP":
    case "ENAMETOOLONG":
    case "EISDIR":
      return 404;
    case "EACCES":
    case "EPERM":
      return 403;
    default:
      return 500;
  }
}

/** Open `file`; if the operation is abandoned before the open completes, close the late fd. */
function openReadOnly(file: string): Operation<number> {
  return action((resolve, reject) => {
    let abandoned = false;
    fs.open(file, OPEN_FLAGS, (error, fd) => {
      if (abandoned) {
        if (!error) fs.close(fd, ignoreError);
      } else if (error) {
        reject(error);
      } else {
        resolve(fd);
      }
    });
    return () => {
      abandoned = true;
    };
  });
}

function fstat(fd: number): Operation<fs.Stats> {
  return action((resolve, reject) => {
    fs.fstat(fd, (error, stats) => (error ? reject(error) : resolve(stats)));
    return () => {};
  });
}

function closeDescriptor(fd: number): Operation<void> {
  return action((resolve, reject) => {
    fs.close(fd, (error) => (error ? reject(error) : resolve()));
    return () => {};
  });
}

function ignoreError(): void {}
