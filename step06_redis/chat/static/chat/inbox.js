// The inbox page: history comes with the page; new messages arrive over /ws/inbox/.
// Without JavaScript (or while the socket is down) the form posts to /inbox/send/ instead.
const statusEl = document.getElementById("status");
const logEl = document.getElementById("log");
const form = document.getElementById("send-form");
const toInput = document.getElementById("to");
const messageInput = document.getElementById("message");

function show(frame) {
  if (logEl.querySelector(`li[data-id="${frame.id}"]`)) return; // already in the history
  logEl.querySelector("li.empty")?.remove();
  const item = document.createElement("li");
  item.className = "private";
  item.dataset.id = frame.id;
  const time = document.createElement("time");
  time.dateTime = frame.sent_at;
  time.textContent = new Date(frame.sent_at).toISOString().slice(0, 16).replace("T", " ");
  item.append(time, ` ${frame.from} → ${frame.to}: ${frame.message}`); // text nodes, not markup
  logEl.appendChild(item);
}

function note(text) {
  const item = document.createElement("li");
  item.className = "error";
  item.textContent = text;
  logEl.appendChild(item);
}

function setStatus(text) {
  statusEl.textContent = text;
  statusEl.className = text;
}

let lastSent = "";

const scheme = location.protocol === "https:" ? "wss" : "ws";
const socket = new WebSocket(`${scheme}://${location.host}/ws/inbox/`);

socket.addEventListener("open", () => setStatus("open"));
socket.addEventListener("message", (event) => {
  const frame = JSON.parse(event.data);
  if (frame.type === "private") show(frame);
  else if (frame.type === "error") {
    note(`Not sent: ${frame.detail}`);
    if (messageInput.value === "") messageInput.value = lastSent; // give the text back to fix
  }
});
socket.addEventListener("close", (event) => {
  setStatus("disconnected");
  note(`Live updates stopped (code ${event.code}). Sending still works; reload to reconnect.`);
});
socket.addEventListener("error", () => note("Connection error."));

form.addEventListener("submit", (event) => {
  if (socket.readyState !== WebSocket.OPEN) return; // let the browser post the form
  event.preventDefault();
  if (messageInput.value.trim() === "") return;
  lastSent = messageInput.value;
  socket.send(JSON.stringify({ to: toInput.value, message: messageInput.value }));
  messageInput.value = "";
});
setStatus("connecting");
