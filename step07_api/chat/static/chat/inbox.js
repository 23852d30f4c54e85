// The inbox page: history comes with the page; new messages arrive over /ws/inbox/, kept open by
// keepOpen (socket.js). Each new socket asks for what the page missed while it had none.
// Without JavaScript (or while the socket is down) the form posts to /inbox/send/ instead.
const logEl = document.getElementById("log");
const form = document.getElementById("send-form");
const toInput = document.getElementById("to");
const messageInput = document.getElementById("message");
const hintEl = document.getElementById("message-hint");
const currentUser = document.getElementById("current-user").textContent; // who is logged in

// Add an item to the log; a reader at the bottom keeps seeing the newest one.
function append(item) {
  const atBottom = logEl.scrollHeight - logEl.scrollTop - logEl.clientHeight < 40;
  logEl.appendChild(item);
  if (atBottom) logEl.scrollTop = logEl.scrollHeight;
}

function show(frame) {
  if (logEl.querySelector(`li[data-id="${frame.id}"]`)) return; // already in the history
  logEl.querySelector("li.empty")?.remove();
  const item = document.createElement("li");
  item.className = frame.from === currentUser ? "private own" : "private";
  item.dataset.id = frame.id;
  const time = document.createElement("time");
  time.dateTime = frame.sent_at;
  time.textContent = new Date(frame.sent_at).toISOString().slice(0, 16).replace("T", " ");
  item.append(time, ` ${frame.from} → ${frame.to}: ${frame.message}`); // text nodes, not markup
  append(item);
}

function note(text) {
  const item = document.createElement("li");
  item.className = "error";
  item.textContent = text;
  append(item);
}

// The id of the newest message shown (0 when none): the server replays every later one.
function newestId() {
  const ids = [...logEl.querySelectorAll("li[data-id]")].map((item) => Number(item.dataset.id));
  return Math.max(0, ...ids);
}

let lastSent = "";
// Errors that are news, not a refused message: a bad ?after=, or (step 6) a message that was
// saved but could not be delivered live. Its text is not given back: sending it again would
// save it twice.
const NEWS = ["invalid_after", "not_delivered"];

function receive(frame) {
  if (frame.type === "private") show(frame);
  else if (frame.type === "resync") location.assign("/inbox/"); // too much missed: reload
  else if (frame.type === "error" && NEWS.includes(frame.error)) note(frame.detail);
  else if (frame.type === "error") {
    note(`Not sent: ${frame.detail}`);
    if (messageInput.value === "") messageInput.value = lastSent; // give the text back to fix
  }
}

// A page of older messages (?before=) is an archive: live ones belong on the latest page.
const isArchive = document.getElementById("latest") !== null;
const live = isArchive
  ? null
  : keepOpen(() => socketUrl(`/ws/inbox/?after=${newestId()}`), {
      onMessage: receive,
      onClose: (event) => note(`Disconnected (code ${event.code}). Sending still works.`),
      onError: () => note("Connection error."),
    });

logEl.scrollTop = logEl.scrollHeight; // the page opens on the newest message

form.addEventListener("submit", (event) => {
  if (messageInput.value.trim() === "") {
    event.preventDefault();
    hintEl.textContent = "Type a message: spaces alone are not sent.";
    return;
  }
  if (live?.socket.readyState !== WebSocket.OPEN) return; // let the browser post the form
  event.preventDefault();
  lastSent = messageInput.value;
  live.send(JSON.stringify({ to: toInput.value, message: messageInput.value }));
  messageInput.value = "";
});
messageInput.addEventListener("input", () => (hintEl.textContent = "")); // it was about the old text
