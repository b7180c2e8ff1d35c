import uuid

from channels.generic.websocket import AsyncJsonWebsocketConsumer


class HealthConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/health/`: answers `{"type": "ping"}` with a pong that has travelled through the channel layer,
    so an operator (and the test suite) can see that websockets and the layer work end to end."""

    async def connect(self):
        self.group = f"health.{uuid.uuid4().hex}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict) or content.get("type") != "ping":
            await self.send_json({"type": "error", "message": 'send {"type": "ping"}'})
            return
        await self.channel_layer.group_send(self.group, {"type": "health.pong"})

    async def health_pong(self, event):
        await self.send_json({"type": "pong"})

    @classmethod
    async def decode_json(cls, text_data):
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None
