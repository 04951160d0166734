// The example page's script: a chat box on /chat/ and a telemetry panel on /telemetry/,
// each on the browser's own WebSocket.

/** The ws:// (or wss://) URL of a path on the server that served this page. */
function socketUrl(path) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}${path}`;
}

/** Show a connection's state in its badge: connecting, open or closed (with the reason). */
function showStatus(badge, state, detail) {
  badge.dataset.state = state;
  badge.textContent = detail ? `${state} · ${detail}` : state;
}

/** Describe a close event in a few words: its code, and its reason if it gave one. */
function describeClose(event) {
  return event.reason ? `${event.code} ${event.reason}` : String(event.code);
}

// ---- Chat ---------------------------------------------------------------------------------

const chatLog = document.getElementById("chat-log");
const chatForm = document.getElementById("chat-form");
const chatInput = document.getElementById("chat-input");
const chatSend = document.getElementById("chat-send");
const chatStatus = document.getElementById("chat-status");

/** Add a line to the chat log: `who` in bold then `text`, or a notice when `who` is empty. */
function addChatLine(who, text, kind) {
  const item = document.createElement("li");
  if (kind) item.className = kind;
  if (who) {
    const name = document.createElement("span");
    name.className = "who";
    name.textContent = who;
    item.append(name);
  }
  const body = document.createElement("span");
  body.className = "text";
  body.textContent = text;
  item.append(body);
  chatLog.append(item);
  chatLog.scrollTop = chatLog.scrollHeight;
}

/** What the server sends on /chat/, as a line in the log. */
function showChatEvent(event) {
  switch (event.type) {
    case "welcome":
      addChatLine("", `You are ${event.name}.`, "notice");
      chatInput.placeholder = "Say something…";
      chatSend.textContent = "Send";
      break;
    case "joined":
      addChatLine("", `${event.name} joined.`, "notice");
      break;
    case "left":
      addChatLine("", `${event.name} left.`, "notice");
      break;
    case "chat":
      addChatLine(event.name, event.text);
      break;
  }
}

let named = false;
const chat = new WebSocket(socketUrl("/chat/"), "chat");

chat.addEventListener("open", () => {
  showStatus(chatStatus, "open");
  chatInput.disabled = false;
  chatSend.disabled = false;
  chatInput.focus();
});
chat.addEventListener("message", (message) => showChatEvent(JSON.parse(message.data)));
chat.addEventListener("close", (event) => {
  showStatus(chatStatus, "closed", describeClose(event));
  chatInput.disabled = true;
  chatSend.disabled = true;
});

chatForm.addEventListener("submit", (submit) => {
  submit.preventDefault();
  const text = chatInput.value.trim();
  if (!text || chat.readyState !== WebSocket.OPEN) return;
  chat.send(text);
  // The server sends a message to everyone else; our own copy is shown here.
  if (named) addChatLine("you", text, "mine");
  named = true;
  chatInput.value = "";
});

// ---- Telemetry ----------------------------------------------------------------------------

const telemetryStatus = document.getElementById("telemetry-status");
const temperature = document.getElementById("temperature");
const humidity = document.getElementById("humidity");
const readingCount = document.getElementById("telemetry-count");
const readingTime = document.getElementById("telemetry-time");
const sparkLine = document.getElementById("spark-line");

/** The last minute of temperatures, oldest first, drawn as the sparkline. */
const history = [];
const HISTORY_LENGTH = 60;

/** Redraw the sparkline from `history`, scaled to its own range. */
function drawSpark() {
  const low = Math.min(...history) - 0.5;
  const high = Math.max(...history) + 0.5;
  const step = 300 / (HISTORY_LENGTH - 1);
  const offset = HISTORY_LENGTH - history.length;
  sparkLine.setAttribute(
    "points",
    history
      .map((value, i) => `${((offset + i) * step).toFixed(1)},${(60 - ((value - low) / (high - low)) * 60).toFixed(1)}`)
      .join(" "),
  );
}

/** Show one `{type:'telemetry', temperature, humidity, time}` reading. */
function showReading(reading) {
  if (reading.type !== "telemetry") return;
  temperature.textContent = reading.temperature.toFixed(1);
  humidity.textContent = reading.humidity.toFixed(0);
  readingCount.textContent = String(Number(readingCount.textContent) + 1);
  readingTime.dateTime = reading.time;
  readingTime.textContent = new Date(reading.time).toLocaleTimeString();
  history.push(reading.temperature);
  if (history.length > HISTORY_LENGTH) history.shift();
  drawSpark();
}

const telemetry = new WebSocket(socketUrl("/telemetry/"));
telemetry.addEventListener("open", () => showStatus(telemetryStatus, "open"));
telemetry.addEventListener("message", (message) => showReading(JSON.parse(message.data)));
telemetry.addEventListener("close", (event) => showStatus(telemetryStatus, "closed", describeClose(event)));
