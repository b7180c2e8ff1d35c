// Suggestions as you type on the search page: the ARIA combobox pattern (list autocomplete) over
// /api/v1/search/suggest/. The input is a plain search field until this script runs; without it the form
// works the same. Text from the API is only ever set as textContent.
(function () {
  "use strict";

  var DELAY = 200; // milliseconds after the last key before asking
  var MIN_LENGTH = 2;

  function setUp(input) {
    var listbox = document.getElementById(input.dataset.suggestListbox);
    var status = document.getElementById(input.dataset.suggestStatus);
    if (!listbox) return;
    var timer = null;
    var controller = null;
    var options = [];
    var active = -1;

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", listbox.id);
    input.setAttribute("aria-expanded", "false");

    function announce(text) {
      if (status) status.textContent = text;
    }

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function open() {
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function choose(index) {
      options.forEach(function (option, i) {
        option.element.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (index < 0) {
        input.removeAttribute("aria-activedescendant");
      } else {
        input.setAttribute("aria-activedescendant", options[index].element.id);
        options[index].element.scrollIntoView({ block: "nearest" });
      }
    }

    function go(index) {
      window.location.assign(options[index].url);
    }

    function show(suggestions) {
      listbox.textContent = "";
      options = suggestions.map(function (suggestion, index) {
        var element = document.createElement("li");
        element.id = listbox.id + "-" + index;
        element.setAttribute("role", "option");
        element.setAttribute("aria-selected", "false");
        element.setAttribute("dir", "auto");
        element.textContent = suggestion.title;
        // mousedown, not click: the input would lose focus (and close the list) before a click lands.
        element.addEventListener("mousedown", function (event) {
          event.preventDefault();
          go(index);
        });
        listbox.appendChild(element);
        return { element: element, url: suggestion.url };
      });
      active = -1;
      if (options.length) {
        open();
        announce(input.dataset.suggestFound || "");
      } else {
        close();
        announce(input.dataset.suggestNone || "");
      }
    }

    function fetchSuggestions() {
      var text = input.value.trim();
      if (text.length < MIN_LENGTH) {
        show([]);
        announce("");
        return;
      }
      if (controller) controller.abort();
      controller = new AbortController();
      var params = new URLSearchParams({ q: text });
      if (input.dataset.suggestLocale) params.set("locale", input.dataset.suggestLocale);
      fetch(input.dataset.suggestUrl + "?" + params.toString(), {
        headers: { Accept: "application/json" },
        signal: controller.signal,
        credentials: "omit",
      })
        .then(function (response) {
          return response.ok ? response.json() : [];
        })
        .then(function (suggestions) {
          if (input.value.trim() === text) show(Array.isArray(suggestions) ? suggestions : []);
        })
        .catch(function () {
          // Aborted by a newer key, or the network: the form still searches without suggestions.
        });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(fetchSuggestions, DELAY);
    });

    input.addEventListener("keydown", function (event) {
      var expanded = !listbox.hidden && options.length > 0;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!expanded && options.length) open();
        if (options.length) choose(active + 1 < options.length ? active + 1 : 0);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (!expanded && options.length) open();
        if (options.length) choose(active > 0 ? active - 1 : options.length - 1);
      } else if (event.key === "Enter") {
        if (expanded && active >= 0) {
          event.preventDefault();
          go(active);
        }
      } else if (event.key === "Escape") {
        if (expanded) {
          event.preventDefault();
          close();
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
        }
      } else if (event.key === "Tab") {
        close();
      }
    });

    input.addEventListener("blur", function () {
      close();
    });
  }

  function start() {
    document.querySelectorAll("input[data-suggest-url]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
