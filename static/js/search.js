/* Search: "/" focuses the search box, and a passage opened from a result shows the words
 * that matched. A passage result links to the reading page as ?mark=words#clause-key: the
 * fragment scrolls to the passage without JavaScript; with it, this marks those words (the
 * engine's own matches, stems and accents included, taken from the result's snippet) inside
 * that passage only and brings the first into view. No inline handlers and no eval, for the
 * Content-Security-Policy.
 */
(() => {
  "use strict";

  // --- "/" focuses the search box ---------------------------------------------------------

  function typingIn(element) {
    if (!element) return false;
    const tag = element.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || element.isContentEditable;
  }

  document.addEventListener("keydown", (event) => {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typingIn(event.target) || typingIn(document.activeElement)) return;
    const box = document.getElementById("search-q") || document.getElementById("site-search");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  // --- The matched words, marked in the passage -------------------------------------------

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  function markWords(root, words) {
    const alternatives = words.map(escapeRegExp).join("|");
    // Whole words only, case-insensitively: "treaty" is not marked inside "treatyless".
    const pattern = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives})(?![\\p{L}\\p{N}_])`, "giu");
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    const marks = [];
    for (const node of nodes) {
      const text = node.nodeValue;
      pattern.lastIndex = 0;
      let match;
      let last = 0;
      const pieces = [];
      while ((match = pattern.exec(text)) !== null) {
        pieces.push(document.createTextNode(text.slice(last, match.index)));
        const mark = document.createElement("mark");
        mark.className = "search-hit";
        mark.textContent = match[0];
        pieces.push(mark);
        marks.push(mark);
        last = match.index + match[0].length;
      }
      if (!pieces.length) continue;
      pieces.push(document.createTextNode(text.slice(last)));
      node.replaceWith(...pieces);
    }
    return marks;
  }

  function showMatches() {
    const params = new URLSearchParams(window.location.search);
    const words = (params.get("mark") || "").split(/\s+/).filter(Boolean).slice(0, 20);
    const key = decodeURIComponent(window.location.hash.slice(1));
    if (!words.length || !key) return;
    const passage = document.getElementById(key);
    if (!passage || !passage.matches("[data-clause]")) return;
    const marks = markWords(passage, words);
    if (!marks.length) return;
    marks[0].scrollIntoView({ block: "center" });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", showMatches);
  } else {
    showMatches();
  }
})();
