// Treaty Reader's highlighter: turns a selection in the treaty text into W3C selectors
// (clause key + offset at each end, and the exact quote), shows a toolbar by it, and opens a
// highlight's panel when its mark is activated. Framework-free; htmx does the requests.
//
// Offsets count Unicode code points, as Python does on the server. A quote spanning clauses
// joins their slices with a blank line, the server's canonical separator.
(function () {
  "use strict";

  const SEPARATOR = "\n\n";
  const root = document.getElementById("treaty-text");
  const toolbar = document.getElementById("selection-toolbar");
  const panel = document.getElementById("highlight-panel");
  const treaty = document.getElementById("treaty");
  if (!root || !toolbar || !panel || !treaty) return;

  const panelUrl = (id) => treaty.dataset.panelUrl.replace(/\/0\/$/, "/" + id + "/");
  const codePoints = (text) => Array.from(text);
  let lastTrigger = null;

  // --- Measuring a selection ---------------------------------------------------------------

  function offsetIn(clause, node, offset) {
    const range = document.createRange();
    range.selectNodeContents(clause);
    range.setEnd(node, offset);
    return codePoints(range.toString()).length;
  }

  function measure(range) {
    const clauses = Array.from(root.querySelectorAll("[data-clause]"));
    const touched = clauses.filter((clause) => range.intersectsNode(clause));
    if (!touched.length) return null;
    const first = touched[0];
    const last = touched[touched.length - 1];
    const start = first.contains(range.startContainer)
      ? offsetIn(first, range.startContainer, range.startOffset)
      : 0;
    const end = last.contains(range.endContainer)
      ? offsetIn(last, range.endContainer, range.endOffset)
      : codePoints(last.textContent).length;
    const exact = touched
      .map((clause, i) => {
        const chars = codePoints(clause.textContent);
        return chars.slice(i === 0 ? start : 0, i === touched.length - 1 ? end : chars.length).join("");
      })
      .join(SEPARATOR);
    if (!exact.trim()) return null;
    return {
      start_key: first.dataset.clause,
      start_offset: start,
      end_key: last.dataset.clause,
      end_offset: end,
      exact: exact,
    };
  }

  // --- The toolbar -------------------------------------------------------------------------

  function currentRange() {
    const selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    return root.contains(range.commonAncestorContainer) || range.intersectsNode(root) ? range : null;
  }

  function showToolbar(range, selectors) {
    const form = toolbar.querySelector("form");
    if (form) {
      for (const [name, value] of Object.entries(selectors)) {
        form.elements[name].value = value;
      }
    }
    const login = toolbar.querySelector("[data-login-link]");
    if (login) {
      const next = window.location.pathname + "#" + selectors.start_key;
      login.href = treaty.dataset.loginUrl + "?next=" + encodeURIComponent(next);
    }
    toolbar.hidden = false;
    const rect = range.getBoundingClientRect();
    const width = toolbar.offsetWidth;
    const left = Math.max(8, Math.min(window.scrollX + rect.left, window.scrollX + document.documentElement.clientWidth - width - 8));
    toolbar.style.top = window.scrollY + rect.bottom + 8 + "px";
    toolbar.style.left = left + "px";
  }

  function hideToolbar() {
    toolbar.hidden = true;
  }

  function onSelectionChange() {
    if (toolbar.contains(document.activeElement)) return; // choosing "Only me" keeps it open
    const range = currentRange();
    const selectors = range && measure(range);
    if (selectors) showToolbar(range, selectors);
    else hideToolbar();
  }

  // The toolbar sends the selection as it is at the moment of the click, not as it was when
  // the toolbar last updated: a slow drag can pause (and show the toolbar) before it ends.
  toolbar.addEventListener("htmx:configRequest", (event) => {
    const range = currentRange();
    const selectors = range && measure(range);
    if (selectors) Object.assign(event.detail.parameters, selectors);
  });
  document.addEventListener("mouseup", () => window.setTimeout(onSelectionChange, 0));

  let pending = null;
  document.addEventListener("selectionchange", () => {
    window.clearTimeout(pending);
    pending = window.setTimeout(onSelectionChange, 120);
  });
  // Pressing a toolbar button must not collapse the selection before the click lands.
  toolbar.addEventListener("mousedown", (event) => {
    if (event.target.tagName !== "SELECT") event.preventDefault();
  });
  toolbar.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      hideToolbar();
      window.getSelection().removeAllRanges();
      if (lastTrigger) lastTrigger.focus();
    }
  });

  // --- Keyboard selection: a caret inside a focused clause ---------------------------------
  // Without caret browsing, Shift+arrows select nothing in ordinary text; here a focused
  // clause takes arrows to move a caret and Shift+arrows to extend the selection.

  function prepareClauses() {
    for (const clause of root.querySelectorAll("[data-clause]")) {
      if (!clause.hasAttribute("tabindex")) {
        clause.tabIndex = 0;
        clause.setAttribute("aria-describedby", "keyboard-help");
      }
    }
  }

  const KEYS = { ArrowLeft: "backward", ArrowRight: "forward", ArrowUp: "backward", ArrowDown: "forward" };

  root.addEventListener("keydown", (event) => {
    const clause = event.target.closest && event.target.closest("[data-clause]");
    if (!clause || event.target !== clause) return;
    const selection = window.getSelection();
    if (event.key === "Tab" && !event.shiftKey && !toolbar.hidden) {
      const control = toolbar.querySelector("select, button, a");
      if (control) {
        event.preventDefault();
        lastTrigger = clause;
        control.focus();
      }
      return;
    }
    if (event.key === "Escape") {
      selection.removeAllRanges();
      hideToolbar();
      return;
    }
    const direction = KEYS[event.key];
    if (!direction) return;
    const vertical = event.key === "ArrowUp" || event.key === "ArrowDown";
    const inside = selection.rangeCount && clause.contains(selection.focusNode);
    if (!event.shiftKey && (vertical || !inside)) return; // leave page scrolling alone
    event.preventDefault();
    if (!selection.rangeCount || !root.contains(selection.focusNode)) {
      selection.collapse(clause, 0);
    }
    const granularity = vertical ? "line" : event.ctrlKey || event.altKey ? "word" : "character";
    selection.modify(event.shiftKey ? "extend" : "move", direction, granularity);
  });

  // --- Opening a highlight's panel ---------------------------------------------------------

  function openPanel(id, trigger) {
    lastTrigger = trigger;
    window.htmx.ajax("GET", panelUrl(id), { target: "#highlight-panel", swap: "innerHTML" });
  }

  root.addEventListener("click", (event) => {
    const mark = event.target.closest("mark[data-highlight]");
    if (!mark || !window.getSelection().isCollapsed) return;
    if (event.target.closest("a")) return; // a cross-reference inside a mark still navigates
    openPanel(mark.dataset.highlight, mark);
  });
  root.addEventListener("keydown", (event) => {
    const mark = event.target.closest && event.target.closest("mark[data-highlight]");
    if (!mark || event.target !== mark || (event.key !== "Enter" && event.key !== " ")) return;
    event.preventDefault();
    openPanel(mark.dataset.highlight, mark);
  });

  function closePanel() {
    panel.replaceChildren();
    panel.classList.remove("open");
    // A new highlight re-renders its paragraph, so the element focus came from may be gone:
    // find its replacement by id.
    prepareClauses(); // the swapped-in paragraph may not have its tabindex yet
    let target = lastTrigger;
    if (target && !document.contains(target)) {
      target = target.id ? document.getElementById(target.id) : null;
      if (!target && lastTrigger.dataset.highlight) {
        target = root.querySelector('mark[data-highlight="' + lastTrigger.dataset.highlight + '"]');
      }
    }
    if (target) target.focus();
  }

  panel.addEventListener("click", (event) => {
    if (event.target.closest("[data-close-panel]")) closePanel();
  });
  panel.addEventListener("keydown", (event) => {
    // Escape while writing keeps the draft; it closes the panel from anywhere else in it.
    if (event.key === "Escape" && !event.target.closest("textarea, input, select")) closePanel();
  });

  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target !== panel) return;
    prepareClauses();
    panel.classList.add("open");
    hideToolbar();
    window.getSelection().removeAllRanges();
    const card = panel.querySelector(".highlight-card");
    const focusTarget =
      (card && card.hasAttribute("data-focus-comment") && card.querySelector("textarea[name='body']")) ||
      panel.querySelector("h2[tabindex]") ||
      panel;
    focusTarget.focus();
  });
  document.body.addEventListener("htmx:afterSettle", prepareClauses);

  prepareClauses();
})();
