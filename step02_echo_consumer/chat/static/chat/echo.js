// The echo page: what is typed goes out over the socket and comes back. keepOpen (socket.js)
// opens the socket, shows its state in #status and opens a new one after an unexpected close.
const logEl = document.getElementById("log");
const form = document.getElementById("send-form");
const input = document.getElementById("message");
const hintEl = document.getElementById("message-hint");

// Add a line to the log; a reader at the bottom keeps seeing the newest line.
function log(text, kind) {
  const atBottom = logEl.scrollHeight - logEl.scrollTop - logEl.clientHeight < 40;
  const item = document.createElement("li");
  item.className = kind;
  item.textContent = text; // textContent, never innerHTML: a message is text, not markup.
  logEl.appendChild(item);
  if (atBottom) logEl.scrollTop = logEl.scrollHeight;
}

const live = keepOpen(() => socketUrl("/ws/echo/"), {
  raw: true, // the echo sends back exactly what it got: show it as it is, not as JSON
  onMessage: (data) => log(data, "received"),
  onClose: (event) => log(`Disconnected (code ${event.code}).`, "error"),
  onError: () => log("Connection error.", "error"),
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (input.value.trim() === "") {
    hintEl.textContent = "Type a message: spaces alone are not sent.";
    return;
  }
  if (!live.send(input.value)) return;
  log(input.value, "sent own");
  input.value = "";
});
input.addEventListener("input", () => (hintEl.textContent = "")); // it was about the old text
