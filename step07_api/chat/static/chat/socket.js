// The page's WebSocket, kept open: the same small client in every step's pages.
//
// A socket can close at any time: the server restarts (1001, 1012), the network drops (1006),
// the application fails (1011, or 4503 when Redis is gone). The page then waits and opens a new
// socket: a new socket is a new connection, with a new channel name and no groups until the
// server joins them again, so the page says what it missed (see `url` below) instead of
// assuming. Waits grow exponentially with "full jitter" (a random wait between zero and the
// ceiling), so that a thousand pages dropped by one restart do not all come back in the same
// second. A close that means "you may not" is never retried: 4401, the code this course's
// server closes with when the session that opened the socket has ended (step 4 on).

const FIRST_RETRY_MS = 1000; // the ceiling of the first wait
const MAX_RETRY_MS = 30000; // waits never exceed this
const STABLE_MS = 10000; // a socket open this long resets the waits
const FINAL_CLOSES = { 4401: "logged out" };

// The wait before retry number `attempt` (0 for the first): a random time from 0 up to
// min(30 s, 1 s x 2^attempt). `random` is a function like Math.random, returning [0, 1).
function retryDelay(attempt, random = Math.random) {
  const ceiling = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

// Open a socket to `url()` (a function: it is asked again before every retry) and keep it open.
// The page's handlers see the socket's four events: `onOpen()` after each open, `onMessage(data)`
// with each frame (text parsed as JSON unless `raw`), `onClose(event)` after each close and
// `onError()`. The returned object's `send(text)` sends on the current socket, if one is open,
// and says whether it did; `live.socket` is the current WebSocket.
function keepOpen(url, { onMessage, onOpen, onClose, onError, raw = false }) {
  const statusEl = document.getElementById("status");
  const live = { socket: null, attempt: 0, send };
  let stableTimer = null;

  function setStatus(state, text = state) {
    statusEl.className = state.replace(" ", "-");
    statusEl.textContent = text;
  }

  function connect() {
    setStatus("connecting");
    const socket = new WebSocket(url());
    live.socket = socket;
    socket.addEventListener("open", () => {
      setStatus("open");
      stableTimer = setTimeout(() => (live.attempt = 0), STABLE_MS);
      onOpen?.();
    });
    socket.addEventListener("message", (event) => {
      onMessage(raw ? event.data : JSON.parse(event.data));
    });
    // Browsers give an error event no detail, on purpose; the close event that follows has the code.
    socket.addEventListener("error", () => onError?.());
    socket.addEventListener("close", (event) => {
      clearTimeout(stableTimer);
      onClose?.(event);
      if (event.code in FINAL_CLOSES) {
        showFinal(FINAL_CLOSES[event.code]);
      } else {
        retry();
      }
    });
  }

  function retry() {
    const due = Date.now() + retryDelay(live.attempt);
    live.attempt += 1;
    const show = () => {
      const seconds = Math.max(1, Math.ceil((due - Date.now()) / 1000));
      setStatus("reconnecting", `reconnecting in ${seconds} s`);
    };
    show();
    const countdown = setInterval(show, 1000);
    setTimeout(() => {
      clearInterval(countdown);
      connect();
    }, due - Date.now());
  }

  function showFinal(state) {
    setStatus(state);
    const link = document.createElement("a");
    const next = encodeURIComponent(location.pathname + location.search);
    link.href = `/accounts/login/?next=${next}`;
    link.id = "login-again";
    link.textContent = "Log in again";
    statusEl.append(": ", link);
  }

  function send(text) {
    if (!live.socket || live.socket.readyState !== WebSocket.OPEN) return false;
    live.socket.send(text);
    return true;
  }

  connect();
  return live;
}

// The address of a path on this page's server, ws:// or wss:// as the page itself.
function socketUrl(path) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  return `${scheme}://${location.host}${path}`;
}
