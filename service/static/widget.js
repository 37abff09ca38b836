/*
 * Spamschutz comment widget.
 *
 * Embed on any page:
 *   <div data-spamschutz-thread="article-42" data-lang="de"></div>
 *
 * The article's title (data-title, else the page's title) and address (data-url, else the
 * page's) go with each comment, so that moderators see which article it belongs to.
 *   <script src="https://spamschutz.example/static/widget.js" defer></script>
 *
 * The widget talks to the Spamschutz server it was loaded from (the origin of this script),
 * or to the API named by the script's data-api attribute. It builds everything with DOM
 * methods and puts data from the server in with textContent only, never innerHTML, so a
 * comment cannot inject markup into the host page. No inline script or style is used.
 */
(() => {
  "use strict";

  // currentScript is only set while this file first runs, so it is read right away.
  const script = document.currentScript || document.querySelector("script[src*='widget.js']");
  if (!script || !window.fetch) {
    return; // Without fetch the page's <noscript>-style fallback form is the way to comment.
  }
  const scriptUrl = new URL(script.src, document.baseURI);
  const api = (script.dataset.api || `${scriptUrl.origin}/api/v1`).replace(/\/+$/, "");

  const TEXT = {
    de: {
      legend: "Kommentar schreiben",
      comments: "Kommentare",
      none: "Noch keine Kommentare. Schreiben Sie den ersten!",
      author: "Name",
      email: "E-Mail (freiwillig, wird nicht veröffentlicht)",
      url: "Website (freiwillig)",
      text: "Ihr Kommentar",
      phone: "Telefon (bitte leer lassen)",
      required: "Pflichtfeld",
      submit: "Kommentar absenden",
      sending: "Wird gesendet …",
      loading: "Die Spamschutz-Frage wird geladen …",
      review: "Die Beiträge werden von der Redaktion geprüft und innerhalb der nächsten " +
        "24 Stunden freigeschaltet.",
      received: "Vielen Dank! Ihr Beitrag wird geprüft.",
      challengeFailed: "Die Spamschutz-Frage konnte nicht geladen werden. " +
        "Bitte versuchen Sie es gleich noch einmal.",
      failed: "Der Kommentar konnte nicht gesendet werden. Bitte prüfen Sie Ihre Verbindung " +
        "und versuchen Sie es erneut.",
      listFailed: "Die Kommentare konnten gerade nicht geladen werden.",
      locale: "de-DE",
    },
    en: {
      legend: "Write a comment",
      comments: "Comments",
      none: "No comments yet. Be the first!",
      author: "Name",
      email: "E-mail (optional, never published)",
      url: "Website (optional)",
      text: "Your comment",
      phone: "Phone (please leave empty)",
      required: "required",
      submit: "Post comment",
      sending: "Sending …",
      loading: "Loading the spam protection question …",
      review: "Comments are reviewed by the editors and published within the next 24 hours.",
      received: "Thank you! Your comment will be reviewed.",
      challengeFailed: "The spam protection question could not be loaded. Please try again " +
        "in a moment.",
      failed: "The comment could not be sent. Please check your connection and try again.",
      listFailed: "The comments could not be loaded right now.",
      locale: "en-GB",
    },
  };

  let widgetCount = 0;

  /** An element with attributes (fixed names only) and children; data goes in as text. */
  function el(tag, attributes = {}, children = []) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === false || value === null || value === undefined) {
        continue;
      }
      if (name === "text") {
        node.textContent = value;
      } else if (name === "className") {
        node.className = value;
      } else {
        node.setAttribute(name, value === true ? "" : String(value));
      }
    }
    node.append(...children);
    return node;
  }

  /** A random idempotency key; crypto.randomUUID needs a secure context, so a fallback. */
  function newIdempotencyKey() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20),
      hex.slice(20)].join("-");
  }

  /** Call the API; resolves to {status, body} (body {} when it is not JSON). */
  async function callApi(path, options = {}) {
    const response = await fetch(api + path, {
      ...options,
      credentials: "omit", // the API needs no cookies; never send a moderator's session
      headers: { Accept: "application/json", ...(options.headers || {}) },
    });
    let body = {};
    try {
      body = (await response.json()) || {};
    } catch (error) {
      body = {};
    }
    return { status: response.status, body };
  }

  function isWebAddress(value) {
    try {
      return ["http:", "https:"].includes(new URL(value).protocol);
    } catch (error) {
      return false;
    }
  }

  function ensureStylesheet() {
    if (script.dataset.css === "none" || document.querySelector("link[data-spamschutz-css]")) {
      return;
    }
    document.head.append(el("link", {
      rel: "stylesheet",
      href: new URL("widget.css", scriptUrl).href,
      "data-spamschutz-css": true,
    }));
  }

  function field(id, label, control, required, t) {
    const labelNode = el("label", { for: id, text: label });
    if (required) {
      labelNode.append(" ", el("span", { className: "ssz-required", text: `(${t.required})` }));
    }
    return el("div", { className: "ssz-field" }, [labelNode, control]);
  }

  function commentItem(comment, t) {
    const author = isWebAddress(comment.url)
      ? el("a", { href: comment.url, rel: "nofollow ugc noopener noreferrer", text: comment.author })
      : el("span", { text: comment.author });
    const created = new Date(comment.created_at);
    const time = el("time", {
      className: "ssz-comment__time",
      datetime: comment.created_at,
      text: Number.isNaN(created.getTime()) ? "" :
        created.toLocaleString(t.locale, { dateStyle: "medium", timeStyle: "short" }),
    });
    return el("li", { className: "ssz-comment" }, [
      el("p", { className: "ssz-comment__head" }, [
        el("strong", { className: "ssz-comment__author" }, [author]), time,
      ]),
      el("p", { className: "ssz-comment__text", text: comment.text }),
    ]);
  }

  function mount(container) {
    const threadId = container.dataset.spamschutzThread;
    if (!threadId || container.dataset.spamschutzReady) {
      return;
    }
    container.dataset.spamschutzReady = "1";
    widgetCount += 1;
    const lang = TEXT[container.dataset.lang] ? container.dataset.lang :
      (TEXT[document.documentElement.lang] ? document.documentElement.lang : "de");
    const t = TEXT[lang];
    const id = (name) => `ssz-${widgetCount}-${name}`;

    const list = el("ol", { className: "ssz-comments", "aria-label": t.comments });
    const listStatus = el("p", { className: "ssz-empty", "aria-live": "polite" });

    const inputs = {
      author: el("input", { id: id("author"), name: "author", type: "text", required: true,
        maxlength: 100, autocomplete: "name" }),
      email: el("input", { id: id("email"), name: "email", type: "email", maxlength: 320,
        autocomplete: "email" }),
      url: el("input", { id: id("url"), name: "url", type: "url", maxlength: 2000,
        autocomplete: "url" }),
      text: el("textarea", { id: id("text"), name: "text", rows: 6, required: true,
        maxlength: 10000 }),
      phone: el("input", { id: id("phone"), name: "phone", type: "text", tabindex: -1,
        autocomplete: "off" }),
      answer: el("input", { id: id("answer"), name: "challenge_answer", type: "text",
        required: true, maxlength: 200, autocomplete: "off",
        "aria-describedby": id("explanation") }),
    };
    const message = el("div", { className: "ssz-message", id: id("message"), role: "status",
      "aria-live": "polite", "aria-atomic": "true" });
    const explanation = el("p", { className: "ssz-challenge__explanation", id: id("explanation") });
    const question = el("label", { className: "ssz-challenge__question", for: id("answer"),
      text: t.loading });
    const button = el("button", { type: "submit", className: "ssz-button", text: t.submit });
    const challengeBox = el("div", { className: "ssz-challenge" },
      [explanation, question, inputs.answer]);
    // data-site names the site whose challenge mode applies (always | unsure | never).
    const site = container.dataset.site || "";
    const threadTitle = (container.dataset.title || document.title || "").trim().slice(0, 300);
    const threadUrl = container.dataset.url || window.location.href.split("#")[0];

    const form = el("form", { className: "ssz-form", method: "post", action: `${api}/comments` }, [
      el("fieldset", { className: "ssz-form__fieldset" }, [
        el("legend", { className: "ssz-form__legend", text: t.legend }),
        message,
        field(id("author"), t.author, inputs.author, true, t),
        field(id("email"), t.email, inputs.email, false, t),
        field(id("url"), t.url, inputs.url, false, t),
        field(id("text"), t.text, inputs.text, true, t),
        // The honeypot: off-screen (widget.css), hidden from screen readers, out of tab order.
        el("div", { className: "ssz-hp", "aria-hidden": "true" }, [
          el("label", { for: id("phone"), text: t.phone }), inputs.phone,
        ]),
        challengeBox,
        el("p", { className: "ssz-review", text: t.review }),
        button,
      ]),
    ]);

    let challenge = null;
    let challengeMode = "always";
    // The key of the comment being sent, kept with the content it names: a retry of the same
    // comment after a lost answer reuses it, an edited comment is a new submission.
    let idempotencyKey = null;
    let keyedContent = null;
    let busy = false;

    function say(text, kind) {
      message.className = kind ? `ssz-message ssz-message--${kind}` : "ssz-message";
      message.textContent = text || "";
    }

    function showChallenge(next) {
      if (!next || !next.token || !next.question) {
        return;
      }
      challenge = next;
      explanation.textContent = next.explanation || "";
      question.textContent = next.question;
      inputs.answer.value = "";
    }

    async function loadChallenge() {
      try {
        const { status, body } = await callApi(
          `/challenge?lang=${encodeURIComponent(lang)}&site=${encodeURIComponent(site)}`);
        if (status !== 200) {
          throw new Error(`challenge: HTTP ${status}`);
        }
        showChallenge(body);
        setChallengeMode(body.mode || "always");
      } catch (error) {
        challenge = null;
        question.textContent = t.challengeFailed;
      }
    }

    /**
     * Mollom-style modes: with "unsure" or "never" the question stays hidden and the comment
     * is sent without an answer; "unsure" may answer 409 with a question (askChallenge).
     */
    function setChallengeMode(mode) {
      challengeMode = mode;
      const ask = mode === "always";
      challengeBox.hidden = !ask;
      inputs.answer.required = ask;
    }

    function askChallenge(next) {
      challengeBox.hidden = false;
      inputs.answer.required = true;
      showChallenge(next);
      challengeMode = "asked"; // the resubmission carries the token and the answer
      inputs.answer.focus();
    }

    async function loadComments() {
      try {
        const { status, body } = await callApi(
          `/threads/${encodeURIComponent(threadId)}/comments`);
        if (status !== 200 || !Array.isArray(body.comments)) {
          throw new Error(`comments: HTTP ${status}`);
        }
        list.replaceChildren(...body.comments.map((comment) => commentItem(comment, t)));
        listStatus.textContent = body.comments.length ? "" : t.none;
      } catch (error) {
        listStatus.textContent = t.listFailed;
      }
    }

    function payload() {
      return {
        thread_id: threadId,
        thread_title: threadTitle,
        thread_url: threadUrl,
        author: inputs.author.value,
        email: inputs.email.value,
        url: inputs.url.value,
        text: inputs.text.value,
        challenge_token: challengeMode === "always" || challengeMode === "asked" ?
          challenge.token : "",
        challenge_answer: inputs.answer.value,
        site,
        phone: inputs.phone.value,
        lang,
      };
    }

    function handleAnswer(status, body) {
      if (status === 202) {
        form.reset();
        idempotencyKey = null; // the next comment is a new submission
        say(body.message || t.received, "success");
        loadChallenge(); // a question is good for one comment only
        return;
      }
      if (status === 409 && body.challenge) {
        say(body.message || t.failed, "info");
        askChallenge(body.challenge);
        return;
      }
      say(body.message || t.failed, "error");
      if (body.error === "idempotency_key_reused") {
        idempotencyKey = null;
      }
      if (status === 422) {
        showChallenge(body.challenge); // the text stays; only the question is new
        inputs.answer.focus();
      } else if (status === 400 && inputs[body.field]) {
        inputs[body.field].focus();
      }
    }

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (busy) {
        return;
      }
      busy = true;
      button.disabled = true;
      button.textContent = t.sending;
      say("", "");
      try {
        if (!challenge) {
          await loadChallenge();
          if (!challenge) {
            say(t.challengeFailed, "error");
            return;
          }
        }
        // Kept until the server accepts, so a retry after a lost answer is not stored twice.
        const sent = payload();
        const content = JSON.stringify(
          [sent.thread_id, sent.author, sent.email, sent.url, sent.text]);
        if (!idempotencyKey || content !== keyedContent) {
          idempotencyKey = newIdempotencyKey();
          keyedContent = content;
        }
        const { status, body } = await callApi("/comments", {
          method: "POST",
          headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
          body: JSON.stringify(sent),
        });
        handleAnswer(status, body);
      } catch (error) {
        say(t.failed, "error");
      } finally {
        busy = false;
        button.disabled = false;
        button.textContent = t.submit;
      }
    });

    container.replaceChildren(el("div", { className: "ssz-widget", lang }, [list, listStatus, form]));
    loadChallenge();
    loadComments();
  }

  function start() {
    ensureStylesheet();
    document.querySelectorAll("[data-spamschutz-thread]").forEach(mount);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
