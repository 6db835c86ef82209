// New since your last visit. The server's answer to the page's "seen" post says which
// passages have comments the member has not seen (marked here), and, for a thread, since
// when: comments by others after that are marked "New", and a "Next unseen" button jumps
// through them.
(function () {
  "use strict";

  function markPassages(summary) {
    var keys = (summary.getAttribute("data-unseen-keys") || "").split(" ").filter(Boolean);
    keys.forEach(function (key) {
      var paragraph = document.querySelector('[data-clause="' + CSS.escape(key) + '"]');
      if (paragraph) {
        paragraph.classList.add("has-unseen");
        paragraph.setAttribute("title", "Comments you have not seen");
      }
    });
  }

  function markThread(marker) {
    var before = marker.getAttribute("data-seen-before");
    var thread = marker.nextElementSibling;
    if (!before || !thread) return;
    var since = new Date(before);
    var me = marker.getAttribute("data-me");
    var unseen = [];
    thread.querySelectorAll("article.comment").forEach(function (comment) {
      var time = comment.querySelector(".comment-main .permalink time");
      // Not one's own, and not the forum's imported replies (their times are made up).
      if (!time || comment.getAttribute("data-author") === me) return;
      if (comment.querySelector(".comment-main .author.imported")) return;
      if (new Date(time.getAttribute("datetime")) > since) {
        comment.classList.add("unseen");
        var meta = comment.querySelector(".comment-meta");
        if (meta && !meta.querySelector(".unseen-tag")) {
          var tag = document.createElement("span");
          tag.className = "tag unseen-tag";
          tag.textContent = "New";
          meta.appendChild(tag);
        }
        unseen.push(comment);
      }
    });
    if (!unseen.length) return;
    var next = 0;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "small next-unseen";
    button.textContent = "Next unseen comment (" + unseen.length + ")";
    button.addEventListener("click", function () {
      var comment = unseen[next % unseen.length];
      next += 1;
      comment.setAttribute("tabindex", "-1");
      comment.scrollIntoView({ block: "center" });
      comment.focus({ preventScroll: true });
    });
    marker.appendChild(button);
  }

  function handle(root) {
    if (!root || !root.querySelectorAll) return;
    var found = Array.prototype.slice.call(
      root.querySelectorAll("[data-unseen-keys], [data-seen-before]"));
    if (root.matches && root.matches("[data-unseen-keys], [data-seen-before]")) found.push(root);
    found.forEach(function (elt) {
      if (elt._seenDone) return;
      elt._seenDone = true;
      if (elt.hasAttribute("data-unseen-keys")) markPassages(elt);
      else markThread(elt);
    });
  }

  document.addEventListener("htmx:load", function (event) { handle(event.detail.elt); });
})();
