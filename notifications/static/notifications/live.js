/* Live notifications and public counters over /ws/notifications/ (docs/notifications.md).
 *
 * Progressive enhancement: the pages work without it. It attaches to
 *   [data-notification-bell]            its [data-notification-unread] (or itself) shows the unread count
 *   [data-notification-list]            new notifications are added at the top (the inbox page)
 *   [data-live-counter="petition:12"]   the number is replaced as it changes
 * and reconnects with backoff. It resyncs from the last id a resync confirmed (not the last it was pushed: a push
 * may be lost while later ones arrive), on connecting and at every server heartbeat; ids already shown are skipped.
 */
(function () {
  "use strict";

  var bells = document.querySelectorAll("[data-notification-bell]");
  var lists = document.querySelectorAll("[data-notification-list]");
  var counters = document.querySelectorAll("[data-live-counter]");
  if (!bells.length && !lists.length && !counters.length) return;
  if (!("WebSocket" in window)) return;

  var language = document.documentElement.lang === "en" ? "en" : "ar";
  var storageKey = "portal.notifications.lastId";
  var lastId = 0;
  try { lastId = parseInt(window.sessionStorage.getItem(storageKey) || "0", 10) || 0; } catch (e) { lastId = 0; }
  var seen = {};
  lists.forEach(function (list) {
    list.querySelectorAll("[data-notification-id]").forEach(function (item) {
      var id = parseInt(item.getAttribute("data-notification-id"), 10) || 0;
      seen[id] = true;
      if (id > lastId) lastId = id;
    });
  });
  var socket = null;
  var attempt = 0;
  var closedForGood = false;
  var formatter = window.Intl ? new Intl.NumberFormat(language === "ar" ? "ar-KW-u-nu-latn" : "en") : null;

  function unreadTargets() {
    var targets = Array.prototype.slice.call(document.querySelectorAll("[data-notification-unread]"));
    bells.forEach(function (bell) {
      if (!bell.querySelector("[data-notification-unread]") && targets.indexOf(bell) < 0) targets.push(bell);
    });
    return targets;
  }

  function setUnread(value) {
    unreadTargets().forEach(function (el) {
      el.setAttribute("data-count", String(value));
      el.textContent = number(value);
    });
  }

  /* The exact count after a resync: the server's, not a sum of what this page happened to see. */
  function refreshUnread() {
    if (!window.fetch) return;
    window.fetch("/api/v1/notifications/unread-count", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body && typeof body.unread === "number") setUnread(body.unread); })
      .catch(function () { /* the count stays as it was */ });
  }

  function number(value) {
    return formatter ? formatter.format(value) : String(value);
  }

  function bumpUnread(by) {
    unreadTargets().forEach(function (el) {
      var current = parseInt(el.getAttribute("data-count") || el.textContent.replace(/[^0-9]/g, "") || "0", 10) || 0;
      var next = Math.max(0, current + by);
      el.setAttribute("data-count", String(next));
      el.textContent = number(next);
    });
  }

  function remember(id) {
    if (id > lastId) {
      lastId = id;
      try { window.sessionStorage.setItem(storageKey, String(lastId)); } catch (e) { /* private mode */ }
    }
  }

  function show(notification) {
    if (seen[notification.id]) return;
    seen[notification.id] = true;
    if (!notification.read) bumpUnread(1);
    lists.forEach(function (list) {
      if (list.querySelector('[data-notification-id="' + notification.id + '"]')) return;
      var item = document.createElement("li");
      item.className = "notification notification-unread";
      item.setAttribute("data-notification-id", String(notification.id));
      var text = document.createElement("p");
      text.setAttribute("dir", "auto");
      if (notification.url) {
        var link = document.createElement("a");
        link.href = notification.url;
        link.textContent = notification.text;
        text.appendChild(link);
      } else {
        text.textContent = notification.text;
      }
      item.appendChild(text);
      var empty = list.querySelector(".notification-empty");
      if (empty) empty.remove();
      list.insertBefore(item, list.firstChild);
    });
  }

  function updateCounter(key, value) {
    counters.forEach(function (el) {
      if (el.getAttribute("data-live-counter") === key) el.textContent = number(value);
    });
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/notifications/?lang=" + language);
    socket.addEventListener("open", function () {
      attempt = 0;
      if (bells.length || lists.length) send({ type: "resync", after: lastId });
      var keys = {};
      counters.forEach(function (el) { keys[el.getAttribute("data-live-counter")] = true; });
      Object.keys(keys).forEach(function (key) { send({ type: "subscribe", counter: key }); });
    });
    socket.addEventListener("message", function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      if (message.type === "notification") show(message.notification);
      else if (message.type === "counter") updateCounter(message.counter, message.value);
      else if (message.type === "synced") {
        // Everything up to last_id has now been sent: the next resync starts there.
        if (typeof message.last_id === "number") remember(message.last_id);
        if (message.more) send({ type: "resync", after: lastId });
        else refreshUnread();
      }
      // The push is best effort: a resync on each server heartbeat picks up anything it dropped.
      else if (message.type === "heartbeat" && (bells.length || lists.length)) send({ type: "resync", after: lastId });
      else if (message.type === "error" && message.code === "bad_cursor") {
        lastId = 0;
        send({ type: "resync", after: 0 });
      }
    });
    socket.addEventListener("close", function (event) {
      socket = null;
      // 4401: the session ended; reconnecting would not help until the person signs in again.
      if (event.code === 4401 || closedForGood) return;
      attempt += 1;
      var delay = Math.min(30000, 500 * Math.pow(2, attempt)) * (0.5 + Math.random() / 2);
      window.setTimeout(connect, delay);
    });
  }

  window.addEventListener("pagehide", function () {
    closedForGood = true;
    if (socket) socket.close(1000);
  });
  connect();
})();
