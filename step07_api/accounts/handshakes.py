"""A limit on WebSocket handshakes in progress: in a reconnect storm, let in what can finish."""

import asyncio
import os

# Handshakes one process works on at once (0: no limit). Each takes its turn on the one thread
# that runs Django's database code, where its session and user are loaded.
HANDSHAKES_AT_ONCE = int(os.environ.get("WEBSOCKET_HANDSHAKES_AT_ONCE", "100"))
# How long a handshake may wait for its turn before it is refused: well inside Daphne's 5 s
# handshake timeout, after which the client is gone and the work is wasted.
HANDSHAKE_WAIT = 2.5


class HandshakeLimit:
    """ASGI middleware: work on at most `limit` handshakes at once; the rest wait, or are refused.

    After a deploy every page reconnects at the same moment. Without a limit, thousands of
    lookups queue on the database thread, each handshake waits behind all the others, and once
    that queue takes longer than Daphne's 5 s handshake timeout, every handshake is dropped after
    its lookup was paid for, and the retries join the queue. With it, the handshakes let in
    finish fast; the others wait in line for a turn, and those that would wait too long are
    refused at once (Daphne answers 403) and retried by the page after a random wait.
    """

    def __init__(self, app, limit=HANDSHAKES_AT_ONCE, wait=HANDSHAKE_WAIT):
        self.app = app
        self.limit = limit
        self.wait = wait
        self.turns = asyncio.Semaphore(limit) if limit else None

    async def __call__(self, scope, receive, send):
        """Wait for a turn, then pass the handshake on and hold the turn until it is answered."""
        if self.turns is None:
            return await self.app(scope, receive, send)
        try:
            await asyncio.wait_for(self.turns.acquire(), self.wait)
        except TimeoutError:
            return await self.refuse(receive, send)
        holding = True

        async def send_and_release(message):
            nonlocal holding
            if holding and message["type"] in ("websocket.accept", "websocket.close"):
                holding = False
                self.turns.release()
            await send(message)

        try:
            return await self.app(scope, receive, send_and_release)
        finally:
            if holding:
                self.turns.release()

    async def refuse(self, receive, send):
        """Refuse in plain ASGI: a consumer would first wait for the database thread."""
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.close"})
