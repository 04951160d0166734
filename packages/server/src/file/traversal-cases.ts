// Hostile request paths and the folder layout they attack, for testing any deployment.
import fs from "node:fs";
import path from "node:path";

/** One hostile request-target and the status the file handler answers it with. */
export interface TraversalCase {
  /** The request-target, sent verbatim on the request line (no client-side normalising). */
  path: string;
  /** The file handler's answer. In front of it a server may refuse earlier, with another 4xx. */
  status: 400 | 404;
  /** What the case tries. */
  attack: string;
}

/** The text every secret file of the traversal fixture holds; it must never appear in a reply. */
export const TRAVERSAL_SECRET = "fiberws-traversal-secret-4f1c9a";

/**
 * Hostile paths against the layout {@link writeTraversalFixture} creates: each would reach a
 * secret file if a check were missing. Every answer must be a 4xx without the secret.
 */
export const TRAVERSAL_CASES: readonly TraversalCase[] = [
  { path: "/../secret.txt", status: 400, attack: "raw dot-dot" },
  { path: "/../../../../../../etc/passwd", status: 400, attack: "deep raw dot-dot" },
  { path: "/sub/../../secret.txt", status: 400, attack: "dot-dot after a real folder" },
  { path: "/sub/./../../secret.txt", status: 400, attack: "dot then dot-dot" },
  { path: "/./secret.txt", status: 400, attack: "single dot segment" },
  { path: "/..", status: 400, attack: "bare dot-dot" },
  { path: "/%2e%2e/secret.txt", status: 400, attack: "encoded dot-dot, lower case" },
  { path: "/%2E%2E/secret.txt", status: 400, attack: "encoded dot-dot, upper case" },
  { path: "/%2E%2e/secret.txt", status: 400, attack: "encoded dot-dot, mixed case" },
  { path: "/.%2e/secret.txt", status: 400, attack: "half-encoded dot-dot" },
  { path: "/%2e./secret.txt", status: 400, attack: "half-encoded dot-dot, other half" },
  { path: "/%2e%2e", status: 400, attack: "bare encoded dot-dot" },
  { path: "/..%2fsecret.txt", status: 400, attack: "encoded slash after dot-dot" },
  { path: "/%2e%2e%2fsecret.txt", status: 400, attack: "fully encoded dot-dot-slash" },
  { path: "/%2E%2E%2Fsecret.txt", status: 400, attack: "fully encoded, upper case" },
  { path: "/sub%2f..%2f..%2fsecret.txt", status: 400, attack: "whole path in one encoded segment" },
  { path: "/%2e%2e%2f%2e%2e%2fsecret.txt", status: 400, attack: "double fully encoded dot-dot" },
  { path: "/..\\secret.txt", status: 400, attack: "raw backslash" },
  { path: "/sub\\..\\..\\secret.txt", status: 400, attack: "raw backslash path" },
  { path: "/..%5csecret.txt", status: 400, attack: "encoded backslash" },
  { path: "/..%5Csecret.txt", status: 400, attack: "encoded backslash, upper case" },
  { path: "/%2e%2e%5csecret.txt", status: 400, attack: "encoded dot-dot-backslash" },
  { path: "/public.txt%00.html", status: 400, attack: "NUL byte truncation" },
  { path: "/..%00/secret.txt", status: 400, attack: "NUL byte after dot-dot" },
  { path: "/%00", status: 400, attack: "bare NUL byte" },
  { path: "/%c0%ae%c0%ae/secret.txt", status: 400, attack: "overlong UTF-8 dots (2 bytes)" },
  { path: "/%e0%80%ae%e0%80%ae/secret.txt", status: 400, attack: "overlong UTF-8 dots (3 bytes)" },
  { path: "/%", status: 400, attack: "truncated percent-encoding" },
  { path: "/%2", status: 400, attack: "half a percent-encoding" },
  { path: "/%zz/secret.txt", status: 400, attack: "invalid hex in percent-encoding" },
  { path: "//secret.txt", status: 400, attack: "empty segment (protocol-relative)" },
  { path: "/sub//../secret.txt", status: 400, attack: "empty segment before dot-dot" },
  { path: "/.well-known/../../secret.txt", status: 400, attack: "dot-dot out of .well-known" },
  { path: "http://127.0.0.1/../secret.txt", status: 400, attack: "absolute-form request-target" },
  { path: "*", status: 400, attack: "asterisk-form request-target" },
  { path: "/sub/page.html#/../../secret.txt", status: 400, attack: "fragment in request-target" },
  { path: "/%252e%252e/secret.txt", status: 404, attack: "double encoding (a literal name)" },
  { path: "/escape.txt", status: 404, attack: "symlink to a file outside" },
  { path: "/escape-dir/secret.txt", status: 404, attack: "symlinked folder outside" },
  { path: "/escape-dir", status: 404, attack: "symlinked folder outside, no redirect" },
  { path: "/sibling/secret.txt", status: 404, attack: "symlink to a sibling sharing the prefix" },
  { path: "/.env", status: 404, attack: "dotfile" },
  { path: "/%2eenv", status: 404, attack: "encoded dotfile" },
  { path: "/.git/config", status: 404, attack: "file in a dot folder" },
  { path: "/dotlink.txt", status: 404, attack: "symlink to a dotfile" },
];

/** Where {@link writeTraversalFixture} put things. */
export interface TraversalFixture {
  /** The folder to serve. */
  documents: string;
  /** Contents of the public files, by request path. */
  publicFiles: Record<string, string>;
}

/**
 * Create, under the empty folder `root`, a documents folder (`root/site`) with public files, and
 * secrets the {@link TRAVERSAL_CASES} go after: `root/secret.txt`, `root/site-secret/secret.txt`
 * (a sibling whose name starts like `site`), dotfiles inside `site`, and symlinks from `site` to
 * each. Served correctly, only the public files are reachable.
 * @param root an existing, empty folder the caller removes afterwards
 * @returns the documents folder and the public files' contents
 * @throws Error from the file system (e.g. `root` missing, symlinks not permitted)
 * @example
 * ```ts
 * const root = fs.mkdtempSync(path.join(os.tmpdir(), "traversal-"));
 * const { documents } = writeTraversalFixture(root);
 * ```
 */
export function writeTraversalFixture(root: string): TraversalFixture {
  const documents = path.join(root, "site");
  const publicFiles: Record<string, string> = {
    "/public.txt": "public text\n",
    "/sub/page.html": "<p>page</p>\n",
    "/.well-known/security.txt": "Contact: mailto:security@example.com\n",
  };
  const write = (file: string, text: string): void => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  };
  for (const [urlPath, text] of Object.entries(publicFiles)) {
    write(path.join(documents, urlPath), text);
  }
  write(path.join(root, "secret.txt"), TRAVERSAL_SECRET);
  write(path.join(root, "site-secret", "secret.txt"), TRAVERSAL_SECRET);
  write(path.join(documents, ".env"), TRAVERSAL_SECRET);
  write(path.join(documents, ".git", "config"), TRAVERSAL_SECRET);
  fs.symlinkSync(path.join(root, "secret.txt"), path.join(documents, "escape.txt"));
  fs.symlinkSync(root, path.join(documents, "escape-dir"));
  fs.symlinkSync(path.join(root, "site-secret"), path.join(documents, "sibling"));
  fs.symlinkSync(".env", path.join(documents, "dotlink.txt"));
  return { documents, publicFiles };
}
