// The room page: one socket to /ws/chat/<room>/, its four events handled visibly.
const roomName = JSON.parse(document.getElementById("room-name").textContent);
const statusEl = document.getElementById("status");
const logEl = document.getElementById("log");
const form = document.getElementById("send-form");
const messageInput = document.getElementById("message");
const sendButton = document.getElementById("send");

function log(text, kind) {
  const item = document.createElement("li");
  item.className = kind;
  item.textContent = text; // textContent: a message is text, never markup.
  logEl.appendChild(item);
}

function setStatus(text) {
  statusEl.textContent = text;
  statusEl.className = text;
  sendButton.disabled = text !== "open";
}

const scheme = location.protocol === "https:" ? "wss" : "ws";
const socket = new WebSocket(`${scheme}://${location.host}/ws/chat/${roomName}/`);

socket.addEventListener("open", () => setStatus("open"));
socket.addEventListener("message", (event) => {
  const frame = JSON.parse(event.data);
  if (frame.type === "message") {
    log(`${frame.username}: ${frame.message}`, "message");
  } else if (frame.type === "error") {
    log(`Not sent: ${frame.detail}`, "error");
  }
});
socket.addEventListener("close", (event) => {
  setStatus("disconnected");
  log(`Disconnected (code ${event.code}). Reload the page to reconnect.`, "error");
});
socket.addEventListener("error", () => log("Connection error.", "error"));

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (socket.readyState !== WebSocket.OPEN || messageInput.value.trim() === "") return;
  socket.send(JSON.stringify({ message: messageInput.value }));
  messageInput.value = "";
});
setStatus("connecting");
