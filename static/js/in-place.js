// A refused write is answered where the member acted, and never costs them their words.
//
// 1. In debug mode (`make run`) django-htmx adds a handler that replaces the whole page with
//    any 400, 403 or 404 answer to htmx, so that Django's debug pages show. Our refusals are
//    fragments meant for their place (a suspended member's post, a flag on a gone comment):
//    for those, the event is stopped on its way down (a capture listener on the document runs
//    before that handler, which listens as the event bubbles up), and htmx swaps them in as
//    in production. Whole pages, such as Django's debug pages, still reach the handler.
// 2. A refusal aimed at a form the member typed in, or at what holds it, goes just before
//    that form instead of replacing it, so the draft stays in the box. (A 422 is different:
//    it re-renders the form with the draft and the errors in it.)
(function () {
  "use strict";

  const REFUSALS = new Set([400, 403, 404, 409, 429]);

  function isFragment(xhr) {
    const start = String(xhr.responseText || "").trimStart().slice(0, 20).toLowerCase();
    return !start.startsWith("<!doctype") && !start.startsWith("<html");
  }

  document.addEventListener(
    "htmx:beforeOnLoad",
    (event) => {
      const xhr = event.detail.xhr;
      if (REFUSALS.has(xhr.status) && isFragment(xhr)) event.stopPropagation();
    },
    true,
  );

  document.addEventListener("htmx:beforeSwap", (event) => {
    const detail = event.detail;
    if (!REFUSALS.has(detail.xhr.status)) return;
    const source = detail.requestConfig && detail.requestConfig.elt;
    const form = source && source.closest && source.closest("form");
    if (!form || !form.querySelector("textarea")) return;
    if (!(detail.target === form || detail.target.contains(form))) return;
    const previous = form.previousElementSibling;
    if (previous && previous.matches(".problem")) previous.remove();
    detail.target = form;
    detail.swapOverride = "beforebegin";
  });
})();
