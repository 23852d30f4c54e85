// The echo page: what is typed goes out over the socket and comes back. keepOpen (socket.js)
// opens the socket, shows its state in #status and opens a new one after an unexpected close.
const logEl = document.getElementById("log");
const form = document.getElementById("send-form");
const input = document.getElementById("message");

function log(text, kind) {
  const item = document.createElement("li");
  item.className = kind;
  item.textContent = text; // textContent, never innerHTML: a message is text, not markup.
  logEl.appendChild(item);
}

const live = keepOpen(() => socketUrl("/ws/echo/"), {
  raw: true, // the echo sends back exactly what it got: show it as it is, not as JSON
  onMessage: (data) => log(data, "received"),
  onClose: (event) => log(`Disconnected (code ${event.code}).`, "error"),
  onError: () => log("Connection error.", "error"),
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  if (input.value === "" || !live.send(input.value)) return;
  log(input.value, "sent");
  input.value = "";
});
