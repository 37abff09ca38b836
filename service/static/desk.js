/*
 * Spamschutz moderation desk: keyboard, one-click decisions without a page load, undo, bulk
 * selection count. Everything works without this file (plain forms); it only speeds work up.
 * Decisions and undo go through the moderation API (/api/v1/moderation, the session with its
 * CSRF token), the same door tools use.
 *
 * Keys: j/k next/previous, a approve, r reject, s spam, h not spam, x select, u undo,
 * ? the key help. No inline script anywhere (strict CSP); data goes in with textContent only.
 */
(() => {
  "use strict";

  const list = document.querySelector("[data-desk]");
  const live = document.querySelector("[data-live]");
  const toast = document.querySelector("[data-toast]");
  const toastText = document.querySelector("[data-toast-text]");
  const toastUndo = document.querySelector("[data-toast-undo]");
  const help = document.getElementById("keys-help");
  const helpButton = document.querySelector("[data-keys-help]");
  const bulk = document.getElementById("bulk");
  const selectedCount = document.querySelector("[data-selected-count]");
  const KEY_ACTIONS = { a: "approve", r: "reject", s: "spam", h: "ham" };
  const undoSeconds = list ? Number(list.dataset.undoSeconds || 8) : 8;
  const api = list ? list.dataset.api : "";

  let current = 0;
  let busy = false;
  let lastUndo = null; // {url, token}
  let toastTimer = null;

  function cards() {
    return Array.from(document.querySelectorAll("[data-desk] .card"));
  }

  function announce(text) {
    if (live) {
      live.textContent = text;
    }
  }

  function focusCard(index) {
    const all = cards();
    if (!all.length) {
      return;
    }
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((card, i) => card.classList.toggle("card--current", i === current));
    all[current].focus({ preventScroll: true });
    all[current].scrollIntoView({ block: "nearest" });
  }

  function updateSelection() {
    if (selectedCount) {
      selectedCount.textContent = String(
        document.querySelectorAll(".card__select:checked").length);
    }
  }

  function bumpCount(status, delta) {
    const badge = document.querySelector(`[data-count="${status}"]`);
    if (badge) {
      badge.textContent = String(Math.max(0, Number(badge.textContent) + delta));
    }
  }

  // After the undo period the notice stays where it is (no layout shift under the pointer);
  // only its undo button goes.
  function endUndo() {
    if (toastUndo) {
      toastUndo.hidden = true;
    }
    lastUndo = null;
    clearTimeout(toastTimer);
  }

  /**
   * The notice takes the place of the decided card, in the flow of the page: a notice that
   * floated over the page would cover the next card's buttons. The previous notice goes.
   */
  function showToast(text, undoUrl, token, place) {
    announce(text);
    if (!toast) {
      place.remove();
      return;
    }
    const previous = toast.closest("li");
    place.replaceChildren(toast);
    place.classList.add("cards__item--done");
    if (previous && previous !== place) {
      previous.remove();
    }
    toastText.textContent = text;
    toast.hidden = false;
    toastUndo.hidden = false;
    lastUndo = { url: undoUrl, token };
    clearTimeout(toastTimer);
    toastTimer = setTimeout(endUndo, undoSeconds * 1000);
  }

  /** POST JSON to the moderation API; a refusal's message is the API's {error, message}. */
  async function post(url, token, payload) {
    const response = await fetch(url, {
      method: "POST",
      body: JSON.stringify(payload),
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "Content-Type": "application/json",
        "X-CSRFToken": token,
      },
    });
    let data = {};
    try {
      data = await response.json();
    } catch (error) {
      data = {};
    }
    return { ok: response.ok, status: response.status, data };
  }

  function commentUrl(card, what) {
    return `${api}/${encodeURIComponent(card.dataset.id)}/${what}`;
  }

  async function decide(form) {
    if (busy) {
      return;
    }
    busy = true;
    const card = form.closest(".card");
    const fields = new FormData(form);
    const fromStatus = fields.get("status");
    const token = fields.get("csrf_token");
    const payload = { action: fields.get("action") };
    const rowVersion = Number(fields.get("row_version"));
    if (rowVersion > 0) {
      payload.row_version = rowVersion;
    }
    try {
      const { ok, status, data } = await post(commentUrl(card, "decision"), token, payload);
      if (!ok) {
        // The desk's own words for a conflict; the API's message for anything else.
        announce(status === 409 ? list.dataset.conflict : data.message || "");
        return;
      }
      const index = cards().indexOf(card);
      showToast(form.dataset.done, commentUrl(card, "undo"), token, card.closest("li"));
      bumpCount(fromStatus, -1);
      bumpCount(data.status, 1);
      updateSelection();
      if (!cards().length) {
        window.location.reload(); // the next page of the queue, or its empty state
        return;
      }
      focusCard(index);
    } catch (error) {
      form.submit(); // the network is flaky: fall back to the plain form post
    } finally {
      busy = false;
    }
  }

  async function undo() {
    if (!lastUndo || busy) {
      return;
    }
    busy = true;
    try {
      const { ok } = await post(lastUndo.url, lastUndo.token, {});
      endUndo();
      if (!ok) {
        announce(list.dataset.undoConflict);
        return;
      }
      window.location.reload(); // show the comment where it is now
    } finally {
      busy = false;
    }
  }

  function actOnCurrent(action) {
    const card = cards()[current];
    const form = card && card.querySelector(`form.decision[data-action="${action}"]`);
    if (form) {
      decide(form);
    }
  }

  function toggleSelect() {
    const card = cards()[current];
    const box = card && card.querySelector(".card__select");
    if (box) {
      box.checked = !box.checked;
      updateSelection();
    }
  }

  function typing(target) {
    if (!(target instanceof HTMLElement)) {
      return false;
    }
    if (target.isContentEditable || ["TEXTAREA", "SELECT"].includes(target.tagName)) {
      return true;
    }
    return target.tagName === "INPUT" && !["checkbox", "radio", "submit", "button"]
      .includes(target.type);
  }

  function showHelp() {
    if (help && typeof help.showModal === "function" && !help.open) {
      help.showModal();
    }
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    if (help && help.open) {
      return; // the dialog handles Escape itself
    }
    const key = event.key;
    if (key === "?") {
      showHelp();
    } else if (!list) {
      return;
    } else if (key === "j") {
      focusCard(current + (document.activeElement === cards()[current] ? 1 : 0));
    } else if (key === "k") {
      focusCard(current - 1);
    } else if (KEY_ACTIONS[key]) {
      actOnCurrent(KEY_ACTIONS[key]);
    } else if (key === "x") {
      toggleSelect();
    } else if (key === "u") {
      undo();
    } else {
      return;
    }
    event.preventDefault();
  });

  if (list) {
    list.addEventListener("submit", (event) => {
      const form = event.target.closest("form.decision");
      if (form) {
        event.preventDefault();
        current = Math.max(0, cards().indexOf(form.closest(".card")));
        decide(form);
      }
    });
    list.addEventListener("change", updateSelection);
    list.addEventListener("focusin", (event) => {
      const card = event.target.closest(".card");
      if (card) {
        current = cards().indexOf(card);
        cards().forEach((each) => each.classList.toggle("card--current", each === card));
      }
    });
  }
  if (bulk) {
    bulk.addEventListener("submit", (event) => {
      if (!document.querySelectorAll(".card__select:checked").length) {
        event.preventDefault();
        announce(bulk.dataset.empty || "");
      }
    });
  }
  if (toastUndo) {
    toastUndo.addEventListener("click", undo);
  }
  if (helpButton) {
    helpButton.hidden = false;
    helpButton.addEventListener("click", showHelp);
  }
})();
