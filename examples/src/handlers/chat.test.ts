import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setLogDestination, setLogLevel } from "@fiberws/fiber";
import { openClient, startExampleServer, type RunningServer, type TestClient } from "../example-server.test-helpers.js";
import { addExampleActions } from "../actions.js";
import { createLocalBroadcast, SUBSCRIBER_BACKLOG, type LocalBroadcast } from "../broadcast.js";
import type { ChatEvent, ChatPost } from "./chat.js";

/** The room, watched: how many subscribe to it, and the largest backlog any had after a publish. */
function watchedRoom(): LocalBroadcast<ChatPost> & { subscribers(): number; largestBacklog(): number } {
  const room = createLocalBroadcast<ChatPost>();
  let largest = 0;
  return {
    *publish(post) {
      yield* room.publish(post);
      largest = Math.max(largest, ...room.backlogs());
    },
    subscribe: room.subscribe,
    backlogs: room.backlogs,
    subscribers: () => room.backlogs().length,
    largestBacklog: () => largest,
  };
}

/** Join the room under `name` and wait for the welcome. */
async function join(server: RunningServer, name: string): Promise<TestClient> {
  const client = await openClient(server.socketUrl("/chat/"), ["chat"]);
  client.socket.send(name);
  expect(await client.nextJson()).toMatchObject({ type: "welcome", name });
  return client;
}

describe("/chat/: a room on subprotocol 'chat'", () => {
  let server: RunningServer;
  const room = watchedRoom();
  beforeAll(async () => {
    server = await startExampleServer((webServer) => addExampleActions(webServer, room));
  });
  afterAll(async () => {
    await server.stop();
  });

  it("selects the chat subprotocol", async () => {
    const client = await openClient(server.socketUrl("/chat/"), ["chat"]);
    expect(client.socket.protocol).toBe("chat");
    client.socket.close(1000);
    await client.closed;
  });

  it("names each connection by its first message and sends lines to every other connection, not back", async () => {
    const ada = await join(server, "ada");
    const bob = await join(server, "bob");
    expect(await ada.nextJson()).toMatchObject({ type: "joined", name: "bob" });
    const cy = await join(server, "cy");
    expect(await ada.nextJson()).toMatchObject({ type: "joined", name: "cy" });
    expect(await bob.nextJson()).toMatchObject({ type: "joined", name: "cy" });

    bob.socket.send("hi all");
    const expected: Partial<ChatEvent> = { type: "chat", name: "bob", text: "hi all" };
    expect(await ada.nextJson()).toMatchObject(expected);
    expect(await cy.nextJson()).toMatchObject(expected);

    cy.socket.send("hello bob");
    expect(await bob.nextJson()).toMatchObject({ type: "chat", name: "cy", text: "hello bob" });
    // bob got cy's line but never an echo of its own: its next event is ada's.
    ada.socket.send("from ada");
    expect(await bob.nextJson()).toMatchObject({ type: "chat", name: "ada", text: "from ada" });

    for (const client of [ada, bob, cy]) client.socket.close(1000);
    await Promise.all([ada, bob, cy].map((client) => client.closed));
  });

  it("tells the others when someone leaves, and the leaver's subscription ends with it", async () => {
    const ada = await join(server, "ada");
    const bob = await join(server, "bob");
    await ada.nextJson(); // bob joined
    expect(room.subscribers()).toBe(2);
    bob.socket.close(1000);
    expect(await ada.nextJson()).toMatchObject({ type: "left", name: "bob" });
    await expect.poll(() => room.subscribers()).toBe(1);
    ada.socket.close(1000);
    await ada.closed;
    await expect.poll(() => room.subscribers()).toBe(0);
  });

  it("closes with 1008 a client that did not ask for the chat subprotocol", async () => {
    const client = await openClient(server.socketUrl("/chat/"));
    expect(await client.closed).toEqual({ code: 1008, reason: 'use the "chat" subprotocol' });
    expect(room.subscribers()).toBe(0);
  });
});

describe("/chat/: a client that stops reading", () => {
  /** Each post is this long, so that a client that stops reading soon fills its socket's buffers. */
  const postSize = 16 * 1024;
  /** Posts sent between checks on the room; the reader takes them all before the next round. */
  const round = 64;
  /** Give up if the room has not cut the client off after this many posts. */
  const mostPosts = 4096;

  let server: RunningServer;
  const room = watchedRoom();
  const logged: string[] = [];
  beforeAll(async () => {
    server = await startExampleServer((webServer) => addExampleActions(webServer, room));
    setLogLevel("info");
    setLogDestination((line) => logged.push(line));
  });
  afterAll(async () => {
    await server.stop();
    setLogLevel("error");
    setLogDestination("stdout");
  });

  it("is closed with 1008 once it is too far behind, logged once, while the others receive every post in order and the room's backlog stays bounded", async () => {
    const slow = await join(server, "slow");
    const reader = await join(server, "reader");
    expect(await slow.nextJson()).toMatchObject({ type: "joined", name: "reader" });
    const poster = await join(server, "poster");
    for (const client of [slow, reader]) expect(await client.nextJson()).toMatchObject({ type: "joined", name: "poster" });

    const seenBySlow: string[] = [];
    slow.socket.on("message", (data: Buffer) => {
      const event = JSON.parse(data.toString("utf8")) as ChatEvent;
      if (event.type === "chat") seenBySlow.push(event.text);
    });
    slow.socket.pause();

    const post = (n: number): string => `${n}:`.padEnd(postSize, "x");
    let posted = 0;
    const postRound = async (): Promise<void> => {
      const first = posted;
      for (let i = 0; i < round; i++) poster.socket.send(post(posted++));
      for (let n = first; n < posted; n++) {
        expect(await reader.nextJson()).toMatchObject({ type: "chat", name: "poster", text: post(n) });
      }
    };
    while (room.subscribers() === 3 && posted < mostPosts) await postRound();
    expect(room.subscribers()).toBe(2);
    // Well past the bound: the others go on as before, and the room keeps nothing for the slow one.
    for (let extra = 0; extra < (2 * SUBSCRIBER_BACKLOG) / round; extra++) await postRound();
    expect(room.largestBacklog()).toBe(SUBSCRIBER_BACKLOG);
    expect(room.backlogs()).toEqual([0, 0]);

    const reason = `too slow: ${SUBSCRIBER_BACKLOG + 1} messages behind`;
    slow.socket.resume();
    expect(await slow.closed).toEqual({ code: 1008, reason });
    // What reached the slow client before its close is the start of the posts, in order.
    expect(seenBySlow.length).toBeLessThan(posted);
    expect(seenBySlow).toEqual(Array.from({ length: seenBySlow.length }, (_, n) => post(n)));
    expect(logged.filter((line) => line.includes("too slow"))).toEqual([
      expect.stringMatching(new RegExp(`INFO +chat: closing slow \\(.+\\): ${reason}`)),
    ]);

    expect(await reader.nextJson()).toMatchObject({ type: "left", name: "slow" });
    expect(await poster.nextJson()).toMatchObject({ type: "left", name: "slow" });
    poster.socket.send("still here");
    expect(await reader.nextJson()).toMatchObject({ type: "chat", name: "poster", text: "still here" });
    for (const client of [reader, poster]) client.socket.close(1000);
    await Promise.all([reader, poster].map((client) => client.closed));
  });
});
