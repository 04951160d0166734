import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExampleServer, type RunningServer } from "./example-server.test-helpers.js";

/** Debian's chromium, which CI installs; the test is skipped without it, except in CI. */
const CHROMIUM = "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
const inCI = Boolean(process.env["CI"]);
const outputFolder = fileURLToPath(new URL("../test-output/", import.meta.url));

if (!hasChromium && !inCI) {
  console.warn(`${CHROMIUM} is not installed: the browser test of the example page is skipped (apt-get install chromium to run it)`);
}

describe("the example page in a real browser", () => {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    if (!hasChromium && !inCI) return;
    if (!hasChromium) throw new Error(`${CHROMIUM} is missing: CI must install chromium (apt-get install chromium)`);
    server = await startExampleServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-quic",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** Open the page in a fresh context and wait for both connections to be open. */
  async function openPage(): Promise<Page> {
    if (!browser || !server) throw new Error("the browser or the server did not start");
    const page = await (await browser.newContext({ viewport: { width: 1100, height: 760 } })).newPage();
    await page.goto(`${server.url}/`);
    await expect.poll(() => page.textContent("#chat-status")).toBe("open");
    await expect.poll(() => page.textContent("#telemetry-status")).toBe("open");
    return page;
  }

  /** Type a line into the chat box and send it. */
  async function say(page: Page, text: string): Promise<void> {
    await page.fill("#chat-input", text);
    await page.press("#chat-input", "Enter");
  }

  it.skipIf(!hasChromium && !inCI)(
    "loads /, chats between two pages through /chat/, shows telemetry, and saves a screenshot",
    async () => {
      const ada = await openPage();
      const bob = await openPage();
      await say(ada, "Ada");
      await expect.poll(() => ada.textContent("#chat-log")).toContain("You are Ada.");
      await say(bob, "Bob");
      await expect.poll(() => ada.textContent("#chat-log")).toContain("Bob joined.");

      await say(bob, "Hello from Bob");
      await expect.poll(() => ada.textContent("#chat-log")).toContain("BobHello from Bob");
      await say(ada, "Hi Bob, the telemetry is live");
      await expect.poll(() => bob.textContent("#chat-log")).toContain("AdaHi Bob, the telemetry is live");
      expect(await ada.textContent("#chat-log")).toContain("youHi Bob, the telemetry is live");

      await expect.poll(async () => Number(await ada.textContent("#telemetry-count")), { timeout: 5000 }).toBeGreaterThanOrEqual(3);
      expect(await ada.textContent("#temperature")).toMatch(/^\d+\.\d$/);
      expect(await ada.textContent("#humidity")).toMatch(/^\d+$/);

      mkdirSync(outputFolder, { recursive: true });
      await ada.screenshot({ path: `${outputFolder}example-page.png`, fullPage: true });
      expect(existsSync(`${outputFolder}example-page.png`)).toBe(true);
    },
  );
});
