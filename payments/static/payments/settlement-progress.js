// The progress of a settlement file's import in the admin (payments/admin/settlement_progress.html): asks the
// upload's JSON status (payments/wagtail_hooks.py, settlement_progress_status_view) every second, moves the
// <progress> bar, and goes to the page the import ended on (the import's page, or the refusal) when it ends.
// Without this script the page reloads itself (<meta http-equiv="refresh"> in <noscript>). The status text
// comes from the server in the staff member's language and is only ever set as textContent; the live region
// is told of a change of state and of each tenth of the file, not of every line.
(function () {
  "use strict";

  var MAX_DELAY = 15000; // milliseconds between attempts after failures, at most

  function setUp(root) {
    var url = root.dataset.statusUrl;
    var bar = root.querySelector("progress");
    var status = root.querySelector("[data-settlement-status]");
    var every = parseInt(root.dataset.pollMilliseconds, 10) || 1000;
    var delay = every;
    var told = null;

    function show(answer) {
      bar.max = Math.max(answer.total, 1);
      bar.value = Math.min(answer.read, bar.max);
      bar.textContent = answer.percent + "%";
      var step = answer.state + ":" + Math.floor(answer.percent / 10);
      if (step !== told) {
        told = step;
        status.textContent = answer.status;
      }
    }

    function ask() {
      fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (response.redirected || (response.status >= 400 && response.status < 500)) {
            // Signed out, or no longer allowed: the page itself says so.
            window.location.reload();
            return null;
          }
          if (!response.ok) throw new Error("status " + response.status);
          return response.json();
        })
        .then(function (answer) {
          if (answer === null) return;
          show(answer);
          if (answer.finished) {
            window.location.assign(answer.next);
            return;
          }
          delay = every;
          window.setTimeout(ask, delay);
        })
        .catch(function () {
          // The server or the network failed for now: ask again, less often.
          delay = Math.min(delay * 2, MAX_DELAY);
          window.setTimeout(ask, delay);
        });
    }

    window.setTimeout(ask, every);
  }

  document.querySelectorAll("[data-settlement-progress]").forEach(setUp);
})();
