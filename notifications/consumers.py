"""`/ws/notifications/`: live notifications for the signed-in person and public live counters for anyone.

The protocol (JSON text frames; docs/notifications.md):

    → {"type": "resync", "after": 41}       ← each missed notification, then {"type": "synced", ...}
    → {"type": "subscribe", "counter": "petition:12"}  ← {"type": "counter", "counter": ..., "value": ...}
    → {"type": "unsubscribe", "counter": "petition:12"}
    → {"type": "ping"}                       ← {"type": "pong"}
    → {"type": "auth", "token": "..."}       headless clients: allauth's session token (or the header)
                                             ← {"type": "heartbeat"} every NOTIFICATIONS_HEARTBEAT_SECONDS
    ← {"type": "notification", "notification": {...}}    live, after the row is committed
    ← {"type": "error", "code": "...", "message": "..."}

Close codes: 4401 not signed in (any more): the session expired or ended, the token is not valid;
4400 too many malformed frames. A socket from a foreign Origin is refused before it opens (HTTP 403).
"""

import asyncio
import contextlib
import json
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.metrics import websocket_clients
from identity.websocket import ANONYMOUS, SESSION_EXPIRED, authenticate_token

from . import push, registry, selectors

CLOSE_UNAUTHENTICATED = 4401
CLOSE_MALFORMED = 4400
MAX_FRAME = 4096
MAX_MALFORMED = 5
MAX_COUNTERS = 20
RESYNC_LIMIT = 200


# How long re-joining the groups at a heartbeat may take before the socket is closed (the client reconnects).
REJOIN_TIMEOUT = 10.0


def setting(name, default):
    return getattr(settings, name, default)


def _language(scope):
    codes = [code for code, _name in settings.LANGUAGES]
    query = scope.get("query_string", b"").decode("latin-1")
    for part in query.split("&"):
        if part.startswith("lang=") and part[5:] in codes:
            return part[5:]
    cookies = scope.get("cookies") or {}
    language = cookies.get(settings.LANGUAGE_COOKIE_NAME)
    return language if language in codes else settings.LANGUAGE_CODE


class NotificationConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.user = None
        self.language = _language(self.scope)
        self.counters = set()
        self.malformed = 0
        self.resynced_ids = set()
        self.session_alive = None
        self.heartbeat = None
        await self.accept()
        websocket_clients.labels("notifications").inc()
        self.counted = True
        # Who is at the other end is identity's business (identity.websocket, wired in portal/asgi.py).
        if await self._identified(self.scope.get("identity") or ANONYMOUS):
            self.heartbeat = asyncio.ensure_future(self._beat())

    async def _identified(self, identity):
        """Join the person's group, or close the socket when its credentials sign nobody in (False)."""
        if identity.refusal == SESSION_EXPIRED:
            await self._refuse(SESSION_EXPIRED, _("Your session has ended. Sign in again."))
            return False
        if identity.refusal:
            await self._refuse(identity.refusal, _("The session token is not valid. Sign in again."))
            return False
        if identity.user is not None:
            await self._join(identity.user, identity.alive)
        return True

    async def _join(self, user, alive):
        if self.user is not None:
            await self.channel_layer.group_discard(push.user_group(self.user.pk), self.channel_name)
        self.user = user
        self.session_alive = alive
        await self.channel_layer.group_add(push.user_group(user.pk), self.channel_name)

    async def _refuse(self, code, message):
        await self._error(code, message)
        await self.close(code=CLOSE_UNAUTHENTICATED)

    async def disconnect(self, code):
        if getattr(self, "counted", False):
            self.counted = False
            websocket_clients.labels("notifications").dec()
        if self.heartbeat is not None:
            self.heartbeat.cancel()
        if self.user is not None:
            await self.channel_layer.group_discard(push.user_group(self.user.pk), self.channel_name)
        for key in self.counters:
            await self.channel_layer.group_discard(push.counter_group(key), self.channel_name)

    async def _beat(self):
        interval = float(setting("NOTIFICATIONS_HEARTBEAT_SECONDS", 25))
        recheck = float(setting("NOTIFICATIONS_SESSION_RECHECK_SECONDS", 120))
        checked = time.monotonic()
        try:
            while True:
                await asyncio.sleep(interval)
                if self.user is not None and self.session_alive and time.monotonic() - checked >= recheck:
                    checked = time.monotonic()
                    if not await database_sync_to_async(self.session_alive)():
                        await self._refuse(SESSION_EXPIRED, _("Your session has ended. Sign in again."))
                        return
                # Joining again is idempotent; after a Redis restart (groups are not persisted) it is what
                # puts this socket back in its group. The heartbeat tells the client to resync anything pushed
                # while it was out. A layer that cannot answer in time (Redis away) closes the socket instead:
                # the client reconnects and resyncs, rather than wait on a socket that hears nothing.
                groups = [push.user_group(self.user.pk)] if self.user is not None else []
                groups += [push.counter_group(key) for key in self.counters]
                for group in groups:
                    await asyncio.wait_for(self.channel_layer.group_add(group, self.channel_name), REJOIN_TIMEOUT)
                await self._send({"type": "heartbeat"})
        except asyncio.CancelledError:
            pass
        except Exception:  # noqa: BLE001 — the client went away, or the layer is down: the client reconnects
            with contextlib.suppress(Exception):
                await self.close(code=1011)

    # --- Frames from the client ----------------------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        content = None
        if text_data is not None and len(text_data) <= MAX_FRAME:
            try:
                content = json.loads(text_data)
            except ValueError:
                content = None
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self._malformed()
            return
        handler = {
            "ping": self._ping,
            "resync": self._resync,
            "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe,
            "auth": self._auth,
        }.get(content["type"])
        if handler is None:
            await self._error("unknown_type", _("Unknown message type."))
            return
        await handler(content)

    async def _malformed(self):
        self.malformed += 1
        await self._error("malformed", _("Send JSON objects with a type, at most 4096 characters."))
        if self.malformed >= MAX_MALFORMED:
            await self.close(code=CLOSE_MALFORMED)

    async def _ping(self, content):
        await self._send({"type": "pong"})

    async def _auth(self, content):
        await self._identified(await authenticate_token(content.get("token")))

    async def _resync(self, content):
        if self.user is None:
            await self._error("unauthenticated", _("Sign in to receive notifications."))
            return
        after = content.get("after", 0)
        if after is None:
            after = 0
        if isinstance(after, bool) or not isinstance(after, int) or after < 0:
            await self._error("bad_cursor", _("The last seen id must be a whole number, 0 or more."))
            return
        rows, newest = await database_sync_to_async(self._missed)(after)
        if after > newest:
            await self._error("bad_cursor", _("There is no notification with this id; resync from 0."))
            return
        more = len(rows) > RESYNC_LIMIT
        rows = rows[:RESYNC_LIMIT]
        for row in rows:
            self.resynced_ids.add(row["id"])
            await self._send({"type": "notification", "notification": self._localised(row)})
        last = rows[-1]["id"] if rows else after
        await self._send({"type": "synced", "last_id": last, "more": more})

    def _missed(self, after):
        rows = [push.message(row) for row in selectors.missed(self.user, after, RESYNC_LIMIT)]
        return rows, selectors.newest_id()

    async def _subscribe(self, content):
        key = content.get("counter")
        counter, _object_id = registry.get_counter(key)
        if counter is None:
            await self._error("unknown_counter", _("There is no such live counter."))
            return
        if key not in self.counters and len(self.counters) >= MAX_COUNTERS:
            await self._error("too_many_counters", _("Too many live counters on one connection."))
            return
        value = await database_sync_to_async(registry.counter_value)(key)
        if value is None:
            await self._error("unknown_counter", _("There is no such live counter."))
            return
        self.counters.add(key)
        await self.channel_layer.group_add(push.counter_group(key), self.channel_name)
        await self._send({"type": "counter", "counter": key, "value": value})

    async def _unsubscribe(self, content):
        key = content.get("counter")
        if key in self.counters:
            self.counters.discard(key)
            await self.channel_layer.group_discard(push.counter_group(key), self.channel_name)

    # --- Messages from the channel layer -------------------------------------------------------------

    async def notification_message(self, event):
        notification = event.get("notification") or {}
        # The group is the person's own; checking the recipient again costs nothing.
        if self.user is None or notification.get("recipient") != self.user.pk:
            return
        if notification.get("id") in self.resynced_ids:
            self.resynced_ids.discard(notification["id"])
            return
        await self._send({"type": "notification", "notification": self._localised(notification)})

    async def counter_update(self, event):
        if event.get("counter") in self.counters:
            await self._send({"type": "counter", "counter": event["counter"], "value": event.get("value")})

    # --- Sending -------------------------------------------------------------------------------------

    def _localised(self, notification):
        language = self.language
        shown = {key: value for key, value in notification.items() if key != "recipient"}
        shown["text"] = notification.get(f"text_{language}") or notification.get("text_ar", "")
        shown["url"] = notification.get(f"url_{language}") or notification.get("url_ar", "")
        return shown

    async def _error(self, code, message):
        with translation.override(self.language):
            text = str(message)
        await self._send({"type": "error", "code": code, "message": text})

    async def _send(self, content):
        await self.send(text_data=json.dumps(content, ensure_ascii=False))
