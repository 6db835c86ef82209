// Keyboard shortcuts for the moderators' review queue (admin/annotations/comment/review-queue/).
//
// Every act is a plain form that works without this file; the keys only move between items
// and press the current item's buttons, as Discourse and Gmail do:
//   j / k   next / previous item          x   select the item for the bulk action
//   h       type the reason to hide it    d   dismiss its flags
//   s       suspend its author            a   approve (a new member's comment)
//   r       reject (a new member's)       Esc leave a field, back to the item
// A reason typed in a field goes with Enter; hiding and suspending need one.
// Keys typed into a field are the field's; with Ctrl, Alt or Meta held they are the browser's.
(function () {
  "use strict";

  const queue = document.querySelector("[data-review-queue]");
  if (!queue) return;
  const items = Array.from(queue.querySelectorAll("[data-queue-item]"));
  if (!items.length) return;

  let current = -1;

  function focusItem(index) {
    current = Math.max(0, Math.min(items.length - 1, index));
    const item = items[current];
    items.forEach((other) => other.classList.toggle("is-current", other === item));
    item.focus();
    item.scrollIntoView({ block: "nearest" });
  }

  function currentItem() {
    if (current < 0) focusItem(0);
    return items[current];
  }

  function press(selector) {
    const button = currentItem().querySelector(selector);
    if (button) button.click();
  }

  function focusField(selector) {
    const field = currentItem().querySelector(selector);
    if (field) field.focus();
  }

  // Start where the focus already is, e.g. after following a link back to an item.
  items.forEach((item, index) => {
    item.addEventListener("focusin", () => {
      current = index;
      items.forEach((other) => other.classList.toggle("is-current", other === item));
    });
  });

  const keys = {
    j: () => focusItem(current + 1),
    k: () => focusItem(current - 1),
    x: () => {
      const box = currentItem().querySelector("[data-select]");
      if (box) box.checked = !box.checked;
    },
    h: () => focusField("[data-reason]"),
    d: () => press("[data-act='dismiss']"),
    s: () => focusField("[data-suspend-reason]"),
    a: () => press("[data-act='approve']"),
    r: () => press("[data-act='reject']"),
  };

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    const target = event.target;
    const typing = target.closest && target.closest("input, textarea, select");
    if (typing) {
      if (event.key === "Escape" && target.type !== "checkbox") {
        event.preventDefault();
        const item = target.closest("[data-queue-item]");
        if (item) item.focus();
        else target.blur();
      }
      return;
    }
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
})();
