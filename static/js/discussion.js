/* Discussion: quote a selection into a reply, close an inline reply form, Ctrl+Enter posts,
 * and bring a comment just posted into view. All of it is an enhancement: without this file
 * Reply, Edit, Delete and Like are links and ordinary forms, and Quote is a link with ?quote=.
 * No inline handlers and no eval, for the Content-Security-Policy.
 */
(() => {
  "use strict";

  // The same string as annotations.rendering.quote_as_markdown; keep the two in step.
  const MARKDOWN_PUNCTUATION = /([!-\/:-@\[-`{-~])/g;
  const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

  function quoteAsMarkdown(text, author) {
    const name = author.split(/\s+/).filter(Boolean).join(" ").replace(MARKDOWN_PUNCTUATION, "\\$1");
    const lines = text.split(LINE_BREAK).map((line) => line.replace(/\s+$/u, ""));
    while (lines.length && !lines[0]) lines.shift();
    while (lines.length && !lines[lines.length - 1]) lines.pop();
    const quoted = lines.map((line) => (line ? `> ${line}\n` : ">\n")).join("");
    return `**${name}** wrote:\n${quoted}\n`;
  }

  function elementOf(node) {
    return node && node.nodeType === Node.ELEMENT_NODE ? node : node && node.parentElement;
  }

  // --- Quote ------------------------------------------------------------------------------

  const quoteButton = document.createElement("button");
  quoteButton.type = "button";
  quoteButton.className = "quote-button";
  quoteButton.textContent = "Quote";
  quoteButton.title = "Reply quoting the selected text";
  quoteButton.hidden = true;
  let pending = null;

  function selectedInComment() {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return null;
    const within = elementOf(selection.getRangeAt(0).commonAncestorContainer);
    const body = within && within.closest(".comment-body");
    const article = body && body.closest("article.comment[data-reply-url]");
    const text = selection.toString();
    if (!article || !text.trim()) return null;
    return { article, body, text };
  }

  function hideQuoteButton() {
    quoteButton.hidden = true;
    pending = null;
  }

  function offerQuote() {
    const found = selectedInComment();
    if (!found) {
      if (document.activeElement !== quoteButton) hideQuoteButton();
      return;
    }
    pending = found;
    if (quoteButton.previousElementSibling !== found.body) found.body.after(quoteButton);
    quoteButton.hidden = false;
  }

  let selectionTimer = 0;
  document.addEventListener("selectionchange", () => {
    window.clearTimeout(selectionTimer);
    selectionTimer = window.setTimeout(offerQuote, 150);
  });

  // Keep the selection when the button is pressed with a mouse.
  quoteButton.addEventListener("mousedown", (event) => event.preventDefault());

  function insertAtCaret(textarea, text) {
    const start = textarea.selectionStart;
    const before = textarea.value.slice(0, start);
    const gap = !before || before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
    textarea.setRangeText(gap + text, start, textarea.selectionEnd, "end");
    textarea.focus();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
  }

  quoteButton.addEventListener("click", () => {
    if (!pending) return;
    const { article, text } = pending;
    const markdown = quoteAsMarkdown(text, article.dataset.author || "");
    const url = article.dataset.replyUrl;
    const slot = document.getElementById(`comment-${article.dataset.comment}-reply`);
    hideQuoteButton();
    window.getSelection().removeAllRanges();
    const open = slot && slot.querySelector("textarea[data-comment-body]");
    if (open) {
      insertAtCaret(open, markdown);
    } else if (window.htmx && slot) {
      window.htmx
        .ajax("GET", url, { target: slot, swap: "innerHTML" })
        .then(() => {
          const textarea = slot.querySelector("textarea[data-comment-body]");
          if (textarea) insertAtCaret(textarea, markdown);
        });
    } else {
      window.location.assign(`${url}?quote=${encodeURIComponent(text)}`);
    }
  });

  // --- Reply forms ------------------------------------------------------------------------

  document.addEventListener("click", (event) => {
    const cancel = event.target.closest("[data-cancel-reply]");
    if (!cancel) return;
    const form = cancel.closest("form");
    const article = form && form.closest("article.comment");
    if (form) form.remove();
    const reply = article && article.querySelector(".reply-link");
    if (reply) reply.focus();
  });

  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    const textarea = event.target.closest && event.target.closest("textarea[data-comment-body]");
    if (!textarea || !textarea.form) return;
    event.preventDefault();
    textarea.form.requestSubmit();
  });

  // --- A comment just posted --------------------------------------------------------------

  function showNewComments() {
    for (const article of document.querySelectorAll("article.comment[data-new]")) {
      article.removeAttribute("data-new");
      // A reply lands in its parent's replies, which the reader may have collapsed.
      for (let replies = article.closest("details"); replies; replies = replies.parentElement.closest("details")) {
        replies.open = true;
      }
      article.scrollIntoView({ block: "nearest" });
      article.focus({ preventScroll: true });
    }
  }
  // The form that posted may be gone (a reply form closes), so listen for the out-of-band swap.
  document.addEventListener("htmx:oobAfterSwap", () => window.requestAnimationFrame(showNewComments));
  document.addEventListener("htmx:afterSettle", showNewComments);

  // --- More of the discussion -------------------------------------------------------------

  // "Show more comments" is replaced by the next page's comments: keep the keyboard there,
  // on the first of them, rather than losing focus with the link. The document's discussion
  // and a highlight's ("highlight-<pk>-more") work alike.
  const MORE_LINK = /^(discussion|highlight-\d+)-more$/;
  let beforeMore = null;
  document.addEventListener("htmx:beforeSwap", (event) => {
    if (MORE_LINK.test(event.detail.target.id)) {
      beforeMore = event.detail.target.previousElementSibling;
    }
  });
  document.addEventListener("htmx:afterSettle", (event) => {
    if (!MORE_LINK.test(event.detail.target.id) || !beforeMore) return;
    const first = beforeMore.nextElementSibling;
    beforeMore = null;
    if (first && first.matches("article.comment")) {
      first.setAttribute("tabindex", "-1");
      first.focus();
    }
  });

  // --- A long thread ----------------------------------------------------------------------

  // "Add a comment" at the top of a highlight's discussion: to the form at its end, the
  // keyboard with it. Without this file it is an ordinary link to #add-comment.
  document.addEventListener("click", (event) => {
    const jump = event.target.closest("[data-jump-to-composer]");
    if (!jump) return;
    const region = jump.closest(".thread-region");
    const scope = (region && region.parentElement) || document;
    const textarea = scope.querySelector("#add-comment textarea[data-comment-body]");
    if (!textarea) return;
    event.preventDefault();
    textarea.scrollIntoView({ block: "center" });
    textarea.focus({ preventScroll: true });
  });

  // The map of the conversation: a page link swaps the list it was in; the keyboard goes
  // to the new list (the form's own controls stay where they are).
  let paging = false;
  document.addEventListener("htmx:beforeRequest", (event) => {
    const link = event.detail.elt;
    if (link && link.closest && link.closest("#discussion-index-results .pagination")) paging = true;
  });
  document.addEventListener("htmx:afterSettle", () => {
    if (!paging) return;
    paging = false;
    const results = document.getElementById("discussion-index-results");
    if (results) {
      results.scrollIntoView({ block: "start" });
      results.focus({ preventScroll: true });
    }
  });

  // Sorting swaps the whole discussion: give the keyboard back to the sort link chosen.
  let sorting = null;
  document.addEventListener("htmx:beforeRequest", (event) => {
    const link = event.detail.elt;
    if (link && link.closest && link.closest(".thread-sorts")) sorting = link.textContent;
  });
  document.addEventListener("htmx:afterSettle", () => {
    if (sorting === null) return;
    const label = sorting;
    sorting = null;
    for (const link of document.querySelectorAll(".thread-sorts a[aria-current]")) {
      if (link.textContent === label) link.focus();
    }
  });
})();
