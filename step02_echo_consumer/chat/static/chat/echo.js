// A WebSocket client in four events: open, message, close, error.
const statusEl = document.getElementById("status");
const logEl = document.getElementById("log");
const form = document.getElementById("send-form");
const input = document.getElementById("message");

function log(text, kind) {
  const item = document.createElement("li");
  item.className = kind;
  item.textContent = text; // textContent, never innerHTML: a message is text, not markup.
  logEl.appendChild(item);
}

function setStatus(text) {
  statusEl.textContent = text;
  statusEl.className = text;
}

const scheme = location.protocol === "https:" ? "wss" : "ws";
const socket = new WebSocket(`${scheme}://${location.host}/ws/echo/`);

socket.addEventListener("open", () => setStatus("open"));
socket.addEventListener("message", (event) => log(event.data, "received"));
socket.addEventListener("close", (event) => {
  setStatus("closed");
  log(`Connection closed (code ${event.code}).`, "error");
});
socket.addEventListener("error", () => log("Connection error.", "error"));

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (socket.readyState !== WebSocket.OPEN || input.value === "") return;
  socket.send(input.value);
  log(input.value, "sent");
  input.value = "";
});
