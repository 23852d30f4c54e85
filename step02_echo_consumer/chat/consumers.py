"""Echo consumers: every frame comes back to the client that sent it."""

from channels.generic.websocket import AsyncWebsocketConsumer, WebsocketConsumer


class EchoConsumer(AsyncWebsocketConsumer):
    """Echo each frame back, repeated `times` times when the route captured it."""

    async def connect(self):
        """Accept every handshake that routing and the origin check let through."""
        self.times = int(self.scope["url_route"]["kwargs"].get("times", 1))
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None):
        """Send the frame back: text as text, binary as binary."""
        for _ in range(self.times):
            if text_data is not None:
                await self.send(text_data=text_data)
            else:
                await self.send(bytes_data=bytes_data)


class SyncEchoConsumer(WebsocketConsumer):
    """The same echo, written as synchronous code; Channels runs it in a thread."""

    def connect(self):
        """Accept every handshake that routing and the origin check let through."""
        self.accept()

    def receive(self, text_data=None, bytes_data=None):
        """Send the frame back: text as text, binary as binary."""
        if text_data is not None:
            self.send(text_data=text_data)
        else:
            self.send(bytes_data=bytes_data)
