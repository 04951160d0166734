import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventually,
  openDescriptorsOn,
  rawRequest,
  startFileServer,
  type FileServer,
} from "./file-server.test-helpers.js";
import { TRAVERSAL_CASES, TRAVERSAL_SECRET, writeTraversalFixture } from "./traversal-cases.js";

const BIG_SIZE = 8 * 1024 * 1024;

let root: string;
let documents: string;
let server: FileServer;
let big: Buffer;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "fiberws-file-"));
  ({ documents } = writeTraversalFixture(root));
  const put = (name: string, data: string | Buffer): void => {
    fs.mkdirSync(path.dirname(path.join(documents, name)), { recursive: true });
    fs.writeFileSync(path.join(documents, name), data);
  };
  put("index.html", "<h1>home</h1>\n");
  put("sub/index.html", "<h1>sub</h1>\n");
  put("empty-folder/.keep", "");
  put("digits.txt", "0123456789");
  put("style.css", "body{}");
  put("app.js", "export {};");
  put("data.json", "{}");
  put("logo.svg", "<svg/>");
  put("pixel.png", Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  put("archive.unknownext", "?");
  put("README", "no extension");
  put("a b.txt", "spaced");
  put("empty.txt", "");
  big = crypto.randomBytes(BIG_SIZE);
  put("big.bin", big);
  fs.symlinkSync("digits.txt", path.join(documents, "inside-link.txt"));
  fs.mkdirSync(path.join(documents, "leaky"));
  fs.symlinkSync(path.join(root, "secret.txt"), path.join(documents, "leaky", "index.html"));
  server = await startFileServer({ documents, index: "index.html" });
});

afterAll(async () => {
  await server.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const get = (target: string, headers: Record<string, string> = {}) =>
  rawRequest(server.port, target, { headers });

describe("serveFile", () => {
  it("serves the index of the documents folder for / with its validators", async () => {
    const res = await get("/");
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe("<h1>home</h1>\n");
    expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(res.headers["content-length"]).toBe("14");
    expect(res.headers["accept-ranges"]).toBe("bytes");
    expect(res.headers["etag"]).toMatch(/^W\/".+"$/);
    const mtime = fs.statSync(path.join(documents, "index.html")).mtime;
    expect(res.headers["last-modified"]).toBe(mtime.toUTCString());
  });

  it("serves a folder's index when the folder is asked for with a trailing slash", async () => {
    const res = await get("/sub/");
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe("<h1>sub</h1>\n");
  });

  it("redirects a folder asked without a trailing slash with 301, keeping the query", async () => {
    const res = await get("/sub?lang=en&x=%2F");
    expect(res.status).toBe(301);
    expect(res.headers["location"]).toBe("/sub/?lang=en&x=%2F");
  });

  it("answers 404 for a folder without an index (no listing)", async () => {
    const res = await get("/empty-folder/");
    expect(res.status).toBe(404);
    expect(res.body.toString()).toBe("Not Found\n");
  });

  it("answers 404 for a missing file and for a file asked for as a folder", async () => {
    expect((await get("/missing.html")).status).toBe(404);
    expect((await get("/digits.txt/")).status).toBe(404);
  });

  it("sends an empty file as 200 with Content-Length: 0", async () => {
    const res = await get("/empty.txt");
    expect(res.status).toBe(200);
    expect(res.headers["content-length"]).toBe("0");
    expect(res.body.length).toBe(0);
  });

  it("decodes percent-encoded names", async () => {
    const res = await get("/a%20b.txt");
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe("spaced");
  });

  it.each([
    ["/style.css", "text/css; charset=utf-8"],
    ["/app.js", "text/javascript; charset=utf-8"],
    ["/data.json", "application/json; charset=utf-8"],
    ["/digits.txt", "text/plain; charset=utf-8"],
    ["/logo.svg", "image/svg+xml"],
    ["/pixel.png", "image/png"],
    ["/archive.unknownext", "application/octet-stream"],
    ["/README", "application/octet-stream"],
  ])("sends %s as %s", async (target, type) => {
    const res = await get(target);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe(type);
  });

  it("answers HEAD with the headers of GET and no body", async () => {
    const full = await get("/digits.txt");
    const head = await rawRequest(server.port, "/digits.txt", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    const names = ["content-type", "content-length", "etag", "last-modified", "accept-ranges"];
    for (const name of names) expect(head.headers[name]).toBe(full.headers[name]);
  });

  it.each(["POST", "PUT", "DELETE", "OPTIONS"])("answers %s with 405 and Allow", async (method) => {
    const headers = { "Content-Length": "0" };
    const res = await rawRequest(server.port, "/digits.txt", { method, headers });
    expect(res.status).toBe(405);
    expect(res.headers["allow"]).toBe("GET, HEAD");
  });

  describe("conditional requests", () => {
    it("answers 304 without a body when If-None-Match holds the ETag", async () => {
      const { headers } = await get("/digits.txt");
      const res = await get("/digits.txt", { "If-None-Match": headers["etag"] ?? "" });
      expect(res.status).toBe(304);
      expect(res.body.length).toBe(0);
      expect(res.headers["etag"]).toBe(headers["etag"]);
    });

    it("answers 304 when If-Modified-Since is not older than Last-Modified", async () => {
      const { headers } = await get("/digits.txt");
      const res = await get("/digits.txt", { "If-Modified-Since": headers["last-modified"] ?? "" });
      expect(res.status).toBe(304);
      expect(res.body.length).toBe(0);
    });

    it("sends the file when If-Modified-Since is older than the file", async () => {
      const res = await get("/digits.txt", { "If-Modified-Since": new Date(0).toUTCString() });
      expect(res.status).toBe(200);
      expect(res.body.toString()).toBe("0123456789");
    });

    it("lets a stale If-None-Match win over a fresh If-Modified-Since", async () => {
      const { headers } = await get("/digits.txt");
      const res = await get("/digits.txt", {
        "If-None-Match": 'W/"other"',
        "If-Modified-Since": headers["last-modified"] ?? "",
      });
      expect(res.status).toBe(200);
    });
  });

  describe("ranges", () => {
    it("answers a single range with 206 and Content-Range", async () => {
      const res = await get("/digits.txt", { Range: "bytes=2-5" });
      expect(res.status).toBe(206);
      expect(res.body.toString()).toBe("2345");
      expect(res.headers["content-range"]).toBe("bytes 2-5/10");
      expect(res.headers["content-length"]).toBe("4");
    });

    it("answers suffix and open-ended ranges", async () => {
      expect((await get("/digits.txt", { Range: "bytes=-3" })).body.toString()).toBe("789");
      expect((await get("/digits.txt", { Range: "bytes=7-" })).body.toString()).toBe("789");
      expect((await get("/digits.txt", { Range: "bytes=8-100" })).body.toString()).toBe("89");
    });

    it("answers an unsatisfiable range with 416 and Content-Range: bytes */size", async () => {
      const res = await get("/digits.txt", { Range: "bytes=10-20" });
      expect(res.status).toBe(416);
      expect(res.headers["content-range"]).toBe("bytes */10");
      expect((await get("/empty.txt", { Range: "bytes=0-" })).status).toBe(416);
    });

    it("serves the whole file for several ranges", async () => {
      const res = await get("/digits.txt", { Range: "bytes=0-1,5-6" });
      expect(res.status).toBe(200);
      expect(res.body.toString()).toBe("0123456789");
    });

    it("merges overlapping ranges into one", async () => {
      const res = await get("/digits.txt", { Range: "bytes=0-3,2-5" });
      expect(res.status).toBe(206);
      expect(res.body.toString()).toBe("012345");
    });

    it("ignores a malformed Range or another unit", async () => {
      expect((await get("/digits.txt", { Range: "bytes=x-y" })).status).toBe(200);
      expect((await get("/digits.txt", { Range: "lines=1-2" })).status).toBe(200);
    });

    it("keeps the range when If-Range equals Last-Modified, not for an entity-tag", async () => {
      const { headers } = await get("/digits.txt");
      const withIfRange = (value = "") =>
        get("/digits.txt", { Range: "bytes=0-0", "If-Range": value });
      expect((await withIfRange(headers["last-modified"])).status).toBe(206);
      expect((await withIfRange(headers["etag"])).status).toBe(200);
    });
  });

  describe("containment", () => {
    it.each(TRAVERSAL_CASES)("refuses $path ($attack) with $status", async (hostile) => {
      const res = await get(hostile.path);
      expect(res.status).toBe(hostile.status);
      const text = res.body.toString("latin1");
      expect(text).not.toContain(TRAVERSAL_SECRET);
      expect(text).not.toContain(root);
    });

    it("serves the public files the traversal fixture holds, .well-known included", async () => {
      expect((await get("/public.txt")).body.toString()).toBe("public text\n");
      expect((await get("/.well-known/security.txt")).status).toBe(200);
    });

    it("refuses a folder whose index is a symlink leading outside", async () => {
      const res = await get("/leaky/");
      expect(res.status).toBe(404);
      expect(res.body.toString()).not.toContain(TRAVERSAL_SECRET);
    });

    it("follows a symlink that stays inside the documents folder", async () => {
      const res = await get("/inside-link.txt");
      expect(res.status).toBe(200);
      expect(res.body.toString()).toBe("0123456789");
    });

    it("answers 500 without naming any path when the documents folder is missing", async () => {
      const missing = path.join(root, "no-such-site");
      const other = await startFileServer({ documents: missing, index: "index.html" });
      try {
        const res = await rawRequest(other.port, "/index.html");
        expect(res.status).toBe(500);
        expect(res.body.toString()).toBe("Internal Server Error\n");
      } finally {
        await other.close();
      }
    });
  });

  describe("files and descriptors", () => {
    it("answers 404 for a file removed since the previous request", async () => {
      const file = path.join(documents, "vanishing.txt");
      fs.writeFileSync(file, "here");
      expect((await get("/vanishing.txt")).status).toBe(200);
      fs.unlinkSync(file);
      expect((await get("/vanishing.txt")).status).toBe(404);
    });

    it("streams a large file whole and closes it afterwards", async () => {
      const res = await get("/big.bin");
      expect(res.status).toBe(200);
      expect(res.body.equals(big)).toBe(true);
      expect(await eventually(() => openDescriptorsOn(path.join(documents, "big.bin")), 0)).toBe(0);
    });

    it("closes the file when the client aborts mid-body", async () => {
      const bigFile = path.join(documents, "big.bin");
      const before = fs.readdirSync("/proc/self/fd").length;
      const openWhileSending = await new Promise<number>((resolve, reject) => {
        const socket = net.connect(server.port, "127.0.0.1", () => {
          socket.write("GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        });
        socket.once("data", () => {
          const open = openDescriptorsOn(bigFile);
          socket.destroy();
          resolve(open);
        });
        socket.on("error", reject);
      });
      expect(openWhileSending).toBe(1);
      expect(await eventually(() => openDescriptorsOn(bigFile), 0)).toBe(0);
      expect(await eventually(() => fs.readdirSync("/proc/self/fd").length, before)).toBe(before);
    });

    it("drops the connection instead of sending a short body when the file shrinks", async () => {
      // Far beyond what loopback socket buffers hold: the server is mid-file when it shrinks.
      const size = 256 * 1024 * 1024;
      const file = path.join(documents, "shrinking.bin");
      fs.writeFileSync(file, "");
      fs.truncateSync(file, size); // sparse: no disk used
      const socket = net.connect(server.port, "127.0.0.1");
      let received = 0;
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      await new Promise<void>((resolve) => {
        socket.write("GET /shrinking.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        socket.once("data", () => {
          socket.pause();
          resolve();
        });
      });
      fs.truncateSync(file, 0);
      socket.on("data", (chunk: Buffer) => (received += chunk.length));
      socket.resume();
      await closed;
      expect(received).toBeLessThan(size);
    }, 5000);

    it("closes the file when its scope is halted while the client is not reading", async () => {
      const bigFile = path.join(documents, "big.bin");
      const socket = net.connect(server.port, "127.0.0.1");
      try {
        await new Promise<void>((resolve) => {
          socket.write("GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
          socket.once("data", () => {
            socket.pause();
            resolve();
          });
        });
        expect(openDescriptorsOn(bigFile)).toBe(1);
        await server.halt();
        expect(openDescriptorsOn(bigFile)).toBe(0);
      } finally {
        socket.destroy();
      }
    });
  });
});
