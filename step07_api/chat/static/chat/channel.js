// The channel page: it reads over a socket and writes over the REST API, as any program may.
// POST /api/messages/ saves a message; the server then sends it, once committed, to every
// socket of the channel (this page's too) over /ws/channels/<id>/, kept open by keepOpen
// (socket.js). Each message is an <li data-id>, shown once and in order of id, whichever way
// it arrives first: the page's own POST answers with it, and so does the socket.
const channelId = JSON.parse(document.getElementById("channel-id").textContent);
const currentUser = document.getElementById("current-user").textContent; // who is logged in
const logEl = document.getElementById("log");
const form = document.getElementById("send-form");
const messageInput = document.getElementById("message");
const hintEl = document.getElementById("message-hint");
const sendButton = document.getElementById("send");
// The API checks a page's POST as Django checks a form: session cookie and CSRF token.
const csrfToken = form.elements.csrfmiddlewaretoken.value;
const API_URL = "/api/messages/";

// Run `change` on the log; a reader at the bottom keeps seeing the newest line.
function keepingScroll(change) {
  const atBottom = logEl.scrollHeight - logEl.scrollTop - logEl.clientHeight < 40;
  change();
  if (atBottom) logEl.scrollTop = logEl.scrollHeight;
}

// Show a message (the API's JSON, or a frame with the same keys) in its place, or update it.
function show(message) {
  keepingScroll(() => {
    let item = logEl.querySelector(`li[data-id="${message.id}"]`);
    if (!item) {
      item = document.createElement("li");
      item.dataset.id = message.id;
      const later = [...logEl.querySelectorAll("li[data-id]")].find(
        (other) => Number(other.dataset.id) > message.id,
      );
      logEl.insertBefore(item, later ?? null);
      logEl.querySelector("li.empty")?.remove();
    }
    item.className = message.author === currentUser ? "message own" : "message";
    const time = document.createElement("time");
    time.dateTime = message.created_at;
    time.textContent = message.created_at.slice(11, 16); // HH:MM, in UTC as the server renders
    // A text node: a message is text, never markup.
    item.replaceChildren(time, ` ${message.author}: ${message.body}`);
  });
}

// Add a line that is no message: an error, a disconnection.
function note(text) {
  keepingScroll(() => {
    const item = document.createElement("li");
    item.className = "error";
    item.textContent = text;
    logEl.appendChild(item);
  });
}

// What a refused POST's JSON says: DRF's `detail`, or its errors by field.
function refusal(answer) {
  if (answer.detail) return answer.detail;
  const errors = Object.entries(answer).map(([field, said]) => `${field}: ${[].concat(said).join(" ")}`);
  return errors.join(" ") || "the server refused it.";
}

// After each (re)open: the latest page, as the API has it. It holds what was posted or edited
// while the socket was away (or between this page's rendering and its socket's opening), and
// lacks what was deleted meanwhile: a message the page showed before asking, no older than the
// page's oldest, that is not in it. (Older ones are not in the page anyway; newer ones came
// over the socket while the page was asking.)
async function catchUp() {
  const shownBefore = [...logEl.querySelectorAll("li[data-id]")];
  const response = await fetch(`${API_URL}?channel=${channelId}`);
  if (!response.ok) return;
  const { results } = await response.json();
  const kept = new Set(results.map((message) => message.id));
  const oldest = results.length ? results[0].id : -Infinity; // the page is newest last
  for (const item of shownBefore) {
    const id = Number(item.dataset.id);
    if (id >= oldest && !kept.has(id)) item.remove();
  }
  results.forEach(show);
}

const live = keepOpen(() => socketUrl(`/ws/channels/${channelId}/`), {
  onOpen: () => catchUp().catch(() => note("Could not load the latest messages.")),
  onMessage: (frame) => {
    if (frame.type === "message" || frame.type === "message_edited") {
      show(frame);
    } else if (frame.type === "message_deleted") {
      logEl.querySelector(`li[data-id="${frame.id}"]`)?.remove();
    } else if (frame.type === "error") {
      note(`Not sent: ${frame.detail}`);
    }
  },
  onClose: (event) => note(`Disconnected (code ${event.code}).`),
  onError: () => note("Connection error."),
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = messageInput.value;
  if (body.trim() === "") {
    hintEl.textContent = "Type a message: spaces alone are not sent.";
    return;
  }
  sendButton.disabled = true; // one POST at a time: a double click is not two messages
  try {
    const response = await fetch(API_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
      body: JSON.stringify({ channel: channelId, body }),
    });
    const answer = await response.json().catch(() => ({}));
    if (response.ok) {
      messageInput.value = "";
      show(answer);
    } else {
      note(`Not sent: ${refusal(answer)}`);
    }
  } catch {
    note("Not sent: the server cannot be reached.");
  } finally {
    sendButton.disabled = false;
  }
});
messageInput.addEventListener("input", () => (hintEl.textContent = "")); // it was about the old text
