// @mentions in the comment box: after "@" and a letter or two, a list of members to pick
// from (the server's fragment, /mentions/?q=…). The box is an ARIA combobox: Up and Down
// move through the list, Enter or Tab picks, Escape closes; a click picks too.
(function () {
  "use strict";
  var BEFORE_CARET = /(^|[^\w@/.+-])@([\w][\w.+-]*)$/;
  var counter = 0;

  function state(box) {
    if (!box._mentions) {
      counter += 1;
      var popup = document.createElement("div");
      popup.className = "mention-popup";
      popup.id = "mention-popup-" + counter;
      box.insertAdjacentElement("afterend", popup);
      box.setAttribute("role", "combobox");
      box.setAttribute("aria-autocomplete", "list");
      box.setAttribute("aria-expanded", "false");
      box.setAttribute("aria-controls", "mention-list-" + counter);
      box._mentions = { popup: popup, listbox: "mention-list-" + counter, request: 0 };
    }
    return box._mentions;
  }

  function options(box) {
    return Array.prototype.slice.call(state(box).popup.querySelectorAll('[role="option"]'));
  }

  function close(box) {
    var s = state(box);
    s.request += 1; // an answer still on its way must not open the list again
    s.popup.innerHTML = "";
    box.setAttribute("aria-expanded", "false");
    box.removeAttribute("aria-activedescendant");
  }

  function select(box, index) {
    var items = options(box);
    if (!items.length) return;
    index = (index + items.length) % items.length;
    items.forEach(function (item, i) {
      item.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    box.setAttribute("aria-activedescendant", items[index].id);
  }

  function selectedIndex(box) {
    return options(box).findIndex(function (item) {
      return item.getAttribute("aria-selected") === "true";
    });
  }

  function pick(box, item) {
    var caret = box.selectionStart;
    var before = box.value.slice(0, caret);
    var match = BEFORE_CARET.exec(before);
    if (!match) return close(box);
    var start = caret - match[2].length;
    var name = item.getAttribute("data-username") + " ";
    box.value = box.value.slice(0, start) + name + box.value.slice(caret);
    box.selectionStart = box.selectionEnd = start + name.length;
    close(box);
    box.focus();
  }

  function suggest(box) {
    var s = state(box);
    var match = BEFORE_CARET.exec(box.value.slice(0, box.selectionStart));
    if (!match) return close(box);
    var url = box.getAttribute("data-mentions-url") + "?q=" + encodeURIComponent(match[2]) +
      "&listbox=" + s.listbox;
    var request = ++s.request;
    // fetch rather than htmx.ajax: htmx keeps one request per element, and a keystroke's
    // question must not be dropped while the previous one is answered.
    fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (request !== s.request) return; // asked again since, or closed
        s.popup.innerHTML = html;
        var open = options(box).length > 0;
        box.setAttribute("aria-expanded", open ? "true" : "false");
        if (open) select(box, 0);
        else box.removeAttribute("aria-activedescendant");
      });
  }

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (box.matches && box.matches("textarea[data-mentions-url]")) suggest(box);
  });

  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("textarea[data-mentions-url]") || !box._mentions) return;
    if (box.getAttribute("aria-expanded") !== "true") return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      select(box, selectedIndex(box) + (event.key === "ArrowDown" ? 1 : -1));
    } else if ((event.key === "Enter" && !event.ctrlKey && !event.metaKey) || event.key === "Tab") {
      var items = options(box);
      var index = selectedIndex(box);
      if (index >= 0) {
        event.preventDefault();
        pick(box, items[index]);
      }
    } else if (event.key === "Escape") {
      event.preventDefault();
      close(box);
    }
  });

  document.addEventListener("mousedown", function (event) {
    var item = event.target.closest && event.target.closest('.mention-popup [role="option"]');
    if (!item) return;
    event.preventDefault(); // keep the focus in the box
    var box = item.closest(".mention-popup").previousElementSibling;
    if (box) pick(box, item);
  });

  document.addEventListener("focusout", function (event) {
    var box = event.target;
    if (box.matches && box.matches("textarea[data-mentions-url]") && box._mentions) {
      setTimeout(function () { if (document.activeElement !== box) close(box); }, 150);
    }
  });
})();
