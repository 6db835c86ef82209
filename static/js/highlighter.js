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
    const next = encodeURIComponent(window.location.pathname + "#" + selectors.start_key);
    const login = toolbar.querySelector("[data-login-link]");
    if (login) login.href = treaty.dataset.loginUrl + "?next=" + next;
    const signup = toolbar.querySelector("[data-signup-link]");
    if (signup) signup.href = treaty.dataset.signupUrl + "?next=" + next;
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

  // One Tab stop per paragraph: the paragraph itself. Its marks, cross-references and tools
  // leave the Tab order (they stay links, for the mouse and without JavaScript) and are
  // reached from the paragraph: Enter lists them (see openChooser).
  function prepareClauses() {
    for (const clause of root.querySelectorAll("[data-clause]")) {
      if (!clause.hasAttribute("tabindex")) {
        clause.tabIndex = 0;
        clause.setAttribute("aria-describedby", "keyboard-help");
      }
    }
    for (const link of root.querySelectorAll(".clause a, .clause-tools a")) {
      if (link.getAttribute("tabindex") !== "-1") link.tabIndex = -1;
    }
    // A mark's link is for readers without JavaScript. Here a click opens the panel (or the
    // list), and a drag that starts on a mark must select text, which a link never does.
    for (const link of root.querySelectorAll("a.hl-link[href]")) {
      link.dataset.href = link.getAttribute("href");
      link.removeAttribute("href");
    }
    markActive();
  }

  // An article heading's tools (its permalink, Watch, "N threads") are one Tab stop too: the
  // permalink; the arrow keys move among them. Without JavaScript each is a Tab stop.
  function prepareHeadingTools() {
    for (const lead of root.querySelectorAll("a.self-link[data-tools]")) {
      const owner = `[data-tools-for="${lead.dataset.tools}"]`;
      const tools = [lead, ...root.querySelectorAll(`a${owner}, ${owner} a`)];
      if (tools.length < 2 || lead.dataset.toolsReady) continue;
      lead.dataset.toolsReady = "1";
      lead.setAttribute("aria-keyshortcuts", "ArrowRight ArrowLeft");
      tools.forEach((tool, index) => {
        if (index) tool.tabIndex = -1;
        tool.addEventListener("keydown", (event) => {
          const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
          if (!step) return;
          event.preventDefault();
          tools[(index + step + tools.length) % tools.length].focus();
        });
      });
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
    if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey) {
      event.preventDefault();
      openChooser(clause, idsAtCaret(clause), clause);
      return;
    }
    const direction = KEYS[event.key];
    if (!direction) return;
    const vertical = event.key === "ArrowUp" || event.key === "ArrowDown";
    const inside = selection.rangeCount && clause.contains(selection.focusNode);
    if (!event.shiftKey && vertical) return; // leave page scrolling alone
    event.preventDefault();
    if (!selection.rangeCount || !root.contains(selection.focusNode)) {
      selection.collapse(clause, 0);
    }
    const granularity = vertical ? "line" : event.ctrlKey || event.altKey ? "word" : "character";
    selection.modify(event.shiftKey ? "extend" : "move", direction, granularity);
  });

  // --- Opening a highlight's panel, or a list when several cover the same words ------------

  const listUrl = (key) => treaty.dataset.listUrl.replace("__key__", key);
  const refreshUrl = (id) => treaty.dataset.refreshUrl.replace(/\/0\/clauses\/$/, "/" + id + "/clauses/");
  let openId = null;

  function layer() {
    return treaty.dataset.layer || "everyone";
  }

  // The highlights a mark stands for in the layer shown: only one's own under "Only mine".
  function idsOf(mark) {
    const attribute = layer() === "mine" ? "own" : "highlights";
    return (mark.dataset[attribute] || "").split(" ").filter(Boolean);
  }

  function idsAtCaret(clause) {
    const selection = window.getSelection();
    if (!selection.rangeCount || !selection.isCollapsed || !clause.contains(selection.focusNode)) return [];
    const node = selection.focusNode.nodeType === Node.ELEMENT_NODE ? selection.focusNode : selection.focusNode.parentElement;
    const mark = node && node.closest("mark[data-highlight]");
    return mark && visibleMark(mark) ? idsOf(mark) : [];
  }

  function visibleMark(mark) {
    return window.getComputedStyle(mark).pointerEvents !== "none";
  }

  function markActive() {
    for (const mark of root.querySelectorAll("mark.active")) mark.classList.remove("active");
    if (!openId) return;
    for (const mark of root.querySelectorAll("mark[data-highlights]")) {
      if (mark.dataset.highlights.split(" ").includes(openId)) mark.classList.add("active");
    }
  }

  function openPanel(id, trigger) {
    closeChooser(false);
    lastTrigger = trigger;
    openId = String(id);
    markActive();
    window.htmx.ajax("GET", panelUrl(id), { target: "#highlight-panel", swap: "innerHTML" });
  }

  // The list: the server's (quote start, author, replies), shown by what was clicked.
  const chooser = document.createElement("div");
  chooser.className = "highlight-chooser";
  chooser.id = "highlight-chooser";
  chooser.setAttribute("role", "dialog");
  chooser.setAttribute("aria-label", "Highlights here");
  chooser.hidden = true;
  document.body.append(chooser);
  let chooserTrigger = null;

  function closeChooser(restoreFocus) {
    if (chooser.hidden) return;
    chooser.hidden = true;
    chooser.replaceChildren();
    if (restoreFocus && chooserTrigger && document.contains(chooserTrigger)) chooserTrigger.focus();
  }

  function chooserItems() {
    return Array.from(chooser.querySelectorAll("a[href]"));
  }

  function openChooser(clause, ids, trigger, point) {
    chooserTrigger = trigger;
    const query = ids.length ? "?ids=" + ids.join(",") : "";
    window.htmx.ajax("GET", listUrl(clause.dataset.clause) + query, { target: chooser, swap: "innerHTML" }).then(() => {
      const xrefs = Array.from(clause.querySelectorAll("a.xref"));
      if (!ids.length && xrefs.length) {
        const line = document.createElement("p");
        line.className = "chooser-tools";
        line.append("See also: ");
        xrefs.forEach((xref, i) => {
          const copy = document.createElement("a");
          copy.href = xref.getAttribute("href");
          copy.textContent = xref.textContent;
          line.append(i ? ", " : "", copy);
        });
        chooser.append(line);
      }
      chooser.hidden = false;
      const rect = point || clause.getBoundingClientRect();
      const width = chooser.offsetWidth;
      const left = Math.max(8, Math.min(window.scrollX + rect.left, window.scrollX + document.documentElement.clientWidth - width - 8));
      chooser.style.left = left + "px";
      // Below the point, or above it when there is no room below.
      const below = (point ? rect.bottom : rect.top + 24) + 8;
      const above = (point ? rect.top || rect.bottom - 24 : rect.top) - chooser.offsetHeight - 8;
      const fits = below + chooser.offsetHeight <= window.innerHeight - 8 || above < 8;
      chooser.style.top = window.scrollY + (fits ? below : above) + "px";
      const first = chooserItems()[0];
      if (first) first.focus();
    });
  }

  chooser.addEventListener("click", (event) => {
    const item = event.target.closest("[data-open-highlight]");
    if (item) {
      event.preventDefault();
      openPanel(item.dataset.openHighlight, chooserTrigger);
    } else if (event.target.closest("a[href^='#']")) {
      closeChooser(false);
    }
  });
  chooser.addEventListener("keydown", (event) => {
    const items = chooserItems();
    const index = items.indexOf(document.activeElement);
    if (event.key === "Escape") {
      event.preventDefault();
      closeChooser(true);
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      items[(index + step + items.length) % items.length].focus();
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      items[event.key === "Home" ? 0 : items.length - 1].focus();
    }
  });
  chooser.addEventListener("focusout", (event) => {
    if (!chooser.contains(event.relatedTarget)) window.setTimeout(() => {
      if (!chooser.contains(document.activeElement)) closeChooser(false);
    }, 0);
  });
  document.addEventListener("mousedown", (event) => {
    if (!chooser.hidden && !chooser.contains(event.target)) closeChooser(false);
  });

  root.addEventListener("click", (event) => {
    const marker = event.target.closest("a[data-threads-for]");
    if (marker) {
      event.preventDefault();
      const clause = document.getElementById(marker.dataset.threadsFor);
      if (clause) openChooser(clause, [], marker, marker.getBoundingClientRect());
      return;
    }
    const link = event.target.closest("a.hl-link");
    if (link && link.dataset.href && (event.ctrlKey || event.metaKey)) {
      window.open(link.dataset.href, "_blank", "noopener"); // the highlight's page in a new tab
      return;
    }
    const mark = event.target.closest("mark[data-highlight]") || (link && link.querySelector("mark[data-highlight]"));
    if (!mark) return;
    if (event.target.closest("a.xref")) return; // a cross-reference inside a mark still navigates
    event.preventDefault(); // the mark's link is for readers without JavaScript
    if (!window.getSelection().isCollapsed && event.detail) return; // the end of a drag-select
    const ids = idsOf(mark);
    if (!ids.length) return;
    if (ids.length === 1) {
      openPanel(ids[0], mark.closest("a") || mark);
      return;
    }
    const clause = mark.closest("[data-clause]");
    const rect = { left: event.clientX, top: event.clientY - 12, bottom: event.clientY + 4 };
    openChooser(clause, ids, clause, rect);
  });

  function closePanel() {
    panel.replaceChildren();
    panel.classList.remove("open");
    document.body.classList.remove("panel-open");
    openId = null;
    markActive();
    // A new highlight re-renders its paragraph, so the element focus came from may be gone:
    // find its replacement by id.
    prepareClauses(); // the swapped-in paragraph may not have its tabindex yet
    let target = lastTrigger;
    if (target && !document.contains(target)) {
      target = target.id ? document.getElementById(target.id) : null;
      const id = lastTrigger.dataset.highlight || (lastTrigger.querySelector && lastTrigger.querySelector("mark") || {dataset: {}}).dataset.highlight;
      if (!target && id) {
        const mark = root.querySelector('mark[data-highlight="' + id + '"]');
        target = mark && (mark.closest("a") || mark.closest("[data-clause]"));
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

  // On a phone the panel is a sheet over the lower part of the screen: the words it is
  // about are scrolled into the part above it.
  function keepPassageInView() {
    const mark = root.querySelector("mark.active");
    if (!mark) return;
    const sheet = panel.getBoundingClientRect();
    const rect = mark.getBoundingClientRect();
    const coversBelow = sheet.top > 0 && sheet.left < rect.right && sheet.width >= window.innerWidth - 1;
    const bottom = coversBelow ? sheet.top : window.innerHeight;
    const right = coversBelow ? window.innerWidth : sheet.left;
    if (rect.top < 8 || rect.bottom > bottom - 8 || (rect.left > right && !coversBelow)) {
      window.scrollBy({ top: rect.top - Math.max(8, (bottom - rect.height) / 3), behavior: "instant" });
    }
  }

  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target !== panel) return;
    prepareClauses();
    panel.classList.add("open");
    document.body.classList.add("panel-open");
    hideToolbar();
    window.getSelection().removeAllRanges();
    const card = panel.querySelector(".highlight-card[data-highlight-card]");
    if (card) {
      openId = card.dataset.highlightCard;
      markActive();
    }
    const focusTarget =
      (card && card.hasAttribute("data-focus-comment") && card.querySelector("textarea[name='body']")) ||
      panel.querySelector("h2[tabindex]") ||
      panel;
    focusTarget.focus({ preventScroll: true });
    window.requestAnimationFrame(keepPassageInView);
  });
  document.body.addEventListener("htmx:afterSettle", prepareClauses);
  document.body.addEventListener("htmx:oobAfterSwap", prepareClauses);

  // A comment posted (or removed) in the panel changes the counts in the text: fetch its
  // clauses again, as out-of-band swaps.
  document.body.addEventListener("htmx:afterRequest", (event) => {
    const elt = event.detail.elt;
    const verb = event.detail.requestConfig && event.detail.requestConfig.verb;
    if (!event.detail.successful || verb !== "post" || !elt || !panel.contains(elt) && !document.contains(elt)) return;
    const path = event.detail.pathInfo && event.detail.pathInfo.requestPath || "";
    // Only comment writes: writes to the highlight itself send its clauses back already, and
    // likes, flags, watching and the "seen" post change no count in the text.
    if (!/\/comments\/(\d+\/(edit|delete)\/)?$/.test(path) || !openId) return;
    window.htmx.ajax("GET", refreshUrl(openId), { target: chooser, swap: "none" });
  });

  // "Show it in the treaty": #hl-<id> scrolls to the words and puts the keyboard there.
  function showTarget() {
    const match = /^#hl-(\d+)$/.exec(window.location.hash);
    if (!match) return;
    const anchor = document.getElementById("hl-" + match[1]);
    if (!anchor) return;
    const clause = anchor.closest("[data-clause]");
    const marks = clause ? Array.from(clause.querySelectorAll("mark[data-highlights]")) : [];
    const mark = marks.find((m) => m.dataset.highlights.split(" ").includes(match[1]) &&
      (anchor.compareDocumentPosition(m) & Node.DOCUMENT_POSITION_FOLLOWING));
    if (!mark) return;
    for (const old of root.querySelectorAll("mark.target")) old.classList.remove("target");
    for (const m of marks) {
      if (m.dataset.highlights.split(" ").includes(match[1])) m.classList.add("target");
    }
    const focusable = mark.closest("a") || clause;
    focusable.focus({ preventScroll: true });
    mark.scrollIntoView({ block: "center" });
  }
  window.addEventListener("hashchange", showTarget);

  // --- Layers: which highlights are shown, remembered in this browser ------------------------

  const LAYER_KEY = "treaty-reader.layer";
  const layerForm = document.getElementById("layer-form");

  function setLayer(value, remember) {
    for (const name of Array.from(treaty.classList)) {
      if (name.startsWith("layer-")) treaty.classList.remove(name);
    }
    treaty.classList.add("layer-" + value);
    treaty.dataset.layer = value;
    if (layerForm) {
      const radio = layerForm.querySelector("input[name='layer'][value='" + value + "']");
      if (radio) radio.checked = true;
    }
    closeChooser(false);
    if (!remember) return;
    try {
      window.localStorage.setItem(LAYER_KEY, value);
    } catch (error) { /* private mode: shown, not remembered */ }
    const url = new URL(window.location.href);
    if (value === "everyone") url.searchParams.delete("layer");
    else url.searchParams.set("layer", value);
    window.history.replaceState(window.history.state, "", url);
  }

  if (layerForm) {
    const submit = layerForm.querySelector("[data-layer-submit]");
    if (submit) submit.hidden = true;
    layerForm.addEventListener("change", (event) => {
      if (event.target.name === "layer") setLayer(event.target.value, true);
    });
    layerForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const checked = layerForm.querySelector("input[name='layer']:checked");
      if (checked) setLayer(checked.value, true);
    });
    const asked = new URL(window.location.href).searchParams.get("layer");
    let remembered = null;
    try {
      remembered = window.localStorage.getItem(LAYER_KEY);
    } catch (error) { /* nothing remembered */ }
    const offered = (value) => value && layerForm.querySelector("input[name='layer'][value='" + value + "']");
    if (!asked && offered(remembered) && remembered !== layer()) setLayer(remembered, false);
    else if (asked && offered(asked)) setLayer(asked, true);
  }

  // --- A selection kept across signing in or up ----------------------------------------------

  const PENDING_KEY = "treaty-reader.selection";

  function pointAt(clause, offset) {
    const walker = document.createTreeWalker(clause, NodeFilter.SHOW_TEXT);
    let seen = 0;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const chars = codePoints(node.data);
      if (offset <= seen + chars.length) {
        return [node, chars.slice(0, offset - seen).join("").length];
      }
      seen += chars.length;
    }
    return [clause, clause.childNodes.length];
  }

  function restoreSelection() {
    let saved = null;
    try {
      saved = JSON.parse(window.sessionStorage.getItem(PENDING_KEY) || "null");
    } catch (error) { return; }
    if (!saved || saved.path !== window.location.pathname || !toolbar.querySelector("form")) return;
    window.sessionStorage.removeItem(PENDING_KEY);
    const first = document.getElementById(saved.start_key);
    const last = document.getElementById(saved.end_key);
    if (!first || !last) return;
    const range = document.createRange();
    range.setStart(...pointAt(first, saved.start_offset));
    range.setEnd(...pointAt(last, saved.end_offset));
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    const selectors = measure(range);
    if (selectors) {
      first.scrollIntoView({ block: "center" });
      showToolbar(range, selectors);
    }
  }

  toolbar.addEventListener("click", (event) => {
    const link = event.target.closest("[data-login-link], [data-signup-link]");
    const range = currentRange();
    const selectors = range && measure(range);
    if (!link || !selectors) return;
    try {
      window.sessionStorage.setItem(PENDING_KEY, JSON.stringify({ path: window.location.pathname, ...selectors }));
    } catch (error) { /* the reader selects again */ }
  });

  // "Only me" is for one highlight: the next one starts as "Everyone" again.
  toolbar.addEventListener("htmx:afterRequest", (event) => {
    const select = toolbar.querySelector("select[name='visibility']");
    if (select && event.detail.successful) select.value = "public";
  });

  prepareClauses();
  prepareHeadingTools();
  restoreSelection();
  // After the browser's own scroll to the fragment, which would take the focus back.
  if (document.readyState === "complete") showTarget();
  else window.addEventListener("load", () => window.setTimeout(showTarget, 0));
})();
