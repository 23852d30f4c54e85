// The room page: one socket to /ws/chat/<room>/, kept open by keepOpen (socket.js), which shows
// its state in #status and opens a new one after an unexpected close. A new socket joins the
// room again on the server; what was said while the page was away is not replayed.
const roomName = JSON.parse(document.getElementById("room-name").textContent);
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

sendButton.disabled = true; // until the socket is open: nothing is sent into the void
const live = keepOpen(() => socketUrl(`/ws/chat/${roomName}/`), {
  onOpen: () => (sendButton.disabled = false),
  onMessage: (frame) => {
    if (frame.type === "message") {
      log(`${frame.username}: ${frame.message}`, "message");
    } else if (frame.type === "error") {
      log(`Not sent: ${frame.detail}`, "error");
    }
  },
  onClose: (event) => {
    sendButton.disabled = true;
    log(`Disconnected (code ${event.code}).`, "error");
  },
  onError: () => log("Connection error.", "error"),
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (messageInput.value.trim() === "") return;
  const frame = JSON.stringify({ message: messageInput.value });
  if (live.send(frame)) messageInput.value = "";
});
