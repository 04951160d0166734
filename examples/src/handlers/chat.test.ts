import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensure, type Stream } from "effection";
import { openClient, startExampleServer, type RunningServer, type TestClient } from "../example-server.test-helpers.js";
import { addExampleActions } from "../actions.js";
import { createLocalBroadcast, type Broadcast } from "../broadcast.js";
import type { ChatEvent, ChatPost } from "./chat.js";

/** A local broadcast that counts its live subscriptions. */
function countedBroadcast(): Broadcast<ChatPost> & { subscribers(): number } {
  const inner = createLocalBroadcast<ChatPost>();
  let live = 0;
  const subscribe = (): Stream<ChatPost, never> => ({
    *[Symbol.iterator]() {
      const subscription = yield* inner.subscribe();
      live++;
      yield* ensure(() => {
        live--;
      });
      return subscription;
    },
  });
  return { publish: inner.publish, subscribe, subscribers: () => live };
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
  const room = countedBroadcast();
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
