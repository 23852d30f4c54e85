// The room page: one socket to /ws/chat/<room>/, kept open by keepOpen (socket.js), which shows
// its state in #status and opens a new one after an unexpected close. A new socket joins the
// room again on the server; what was said while the page was away is not replayed.
const roomName = JSON.parse(document.getElementById("room-name").textContent);
const currentUser = document.getElementById("current-user").textContent; // who is logged in
const logEl = document.getElementById("log");
const form = document.getElementById("send-form");
const messageInput = document.getElementById("message");
const hintEl = document.getElementById("message-hint");
const sendButton = document.getElementById("send");

// Add a line to the log; a reader at the bottom keeps seeing the newest line.
function log(text, kind) {
  const atBottom = logEl.scrollHeight - logEl.scrollTop - logEl.clientHeight < 40;
  const item = document.createElement("li");
  item.className = kind;
  item.textContent = text; // textContent: a message is text, never markup.
  logEl.appendChild(item);
  if (atBottom) logEl.scrollTop = logEl.scrollHeight;
}

// The account line names who is logged in: the messages signed with that name are theirs.
function isOwn(frame) {
  return frame.username === currentUser;
}

sendButton.disabled = true; // until the socket is open: nothing is sent into the void
const live = keepOpen(() => socketUrl(`/ws/chat/${roomName}/`), {
  onOpen: () => (sendButton.disabled = false),
  onMessage: (frame) => {
    if (frame.type === "message") {
      log(`${frame.username}: ${frame.message}`, isOwn(frame) ? "message own" : "message");
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
  if (messageInput.value.trim() === "") {
    hintEl.textContent = "Type a message: spaces alone are not sent.";
    return;
  }
  const frame = JSON.stringify({ message: messageInput.value });
  if (live.send(frame)) messageInput.value = "";
});
messageInput.addEventListener("input", () => (hintEl.textContent = "")); // it was about the old text
