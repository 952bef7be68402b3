// The web chat page's behaviour: talks to the assistant over socket.io (same origin, Rasa's socket.io channel),
// shows the conversation, and keeps it for the browser tab (sessionStorage) so a reload keeps the conversation.
// The page's words come from the server (data-* attributes of <main>), in the page's language.
(function () {
  "use strict";

  const SESSION_KEY = "pointe-claire-webchat-session";
  const LOG_KEY = "pointe-claire-webchat-log";

  const chat = document.getElementById("chat");
  const log = document.getElementById("log");
  const status = document.getElementById("status");
  const form = document.getElementById("composer");
  const input = document.getElementById("message");
  const noAnswerNote = document.getElementById("no-answer-note");
  const words = chat.dataset;
  const answerTimeoutMs = Number(words.answerTimeoutMs) || 10000;
  const maxCharacters = Number(words.maxCharacters) || 50000;
  const linkify = globalThis.PointeClaireLinkify;

  let waitingForAnswer = null;
  let sessionId = load(SESSION_KEY);
  let confirmed = false;
  const unsent = []; // typed before the server confirmed the session: sent once it has

  // Storage may be full or disabled (a sandboxed frame): the chat still works, it just won't survive a reload.
  function load(key) {
    try {
      return sessionStorage.getItem(key);
    } catch (error) {
      return null;
    }
  }

  function save(key, value) {
    try {
      sessionStorage.setItem(key, value);
    } catch (error) {
      // see load()
    }
  }

  function storedLog() {
    try {
      const entries = JSON.parse(load(LOG_KEY) || "[]");
      return Array.isArray(entries) ? entries : [];
    } catch (error) {
      return [];
    }
  }

  function remember(entry) {
    const entries = storedLog();
    entries.push(entry);
    save(LOG_KEY, JSON.stringify(entries));
  }

  // Format characters (zero-width, bidi), separators and the fillers drawn as nothing, as the server reads them
  // (pointe_claire/text_normalization.py, has_visible_text).
  const INVISIBLE = /[\p{Z}\p{C}\u115f\u1160\u3164\uffa0\u2800\s]/gu;

  function hasVisibleText(text) {
    return text.replace(INVISIBLE, "").length > 0;
  }

  function labelFor(who) {
    return { user: words.you, bot: words.assistant, note: words.note }[who];
  }

  // "14 h 05" on the French page, "2:05 p.m." on the English one: the time each message was written or received.
  const clock = new Intl.DateTimeFormat(document.documentElement.lang === "en" ? "en-CA" : "fr-CA", {
    hour: "numeric",
    minute: "2-digit",
  });

  function timeElement(at) {
    const when = new Date(at);
    const element = document.createElement("time");
    element.className = "at";
    if (!Number.isNaN(when.getTime())) {
      element.dateTime = when.toISOString();
      element.textContent = clock.format(when);
    }
    return element;
  }

  function show(entry) {
    const item = document.createElement("li");
    item.className = "message " + entry.who;
    if (entry.lang === "fr" || entry.lang === "en") {
      item.lang = entry.lang; // an English reply on the French page is read with an English voice
    }
    const label = document.createElement("span");
    label.className = "who";
    label.textContent = labelFor(entry.who);
    if (entry.at) {
      label.append(" · ", timeElement(entry.at));
    }
    item.appendChild(label);
    const body = document.createElement("div");
    body.className = "text";
    if (entry.who === "note") {
      body.appendChild(noAnswerNote.content.cloneNode(true));
    } else if (entry.who === "bot") {
      body.appendChild(linkify.render(entry.text, document));
    } else {
      body.textContent = entry.text;
    }
    item.appendChild(body);
    log.insertBefore(item, typing.parentNode === log ? typing : null); // the typing indicator stays last
    // The field to answer in stays on screen, the new bubble just above it (scrolling to the bubble pushed the
    // field below the window).
    form.scrollIntoView({ block: "end" });
  }

  function add(entry) {
    entry.at = new Date().toISOString();
    remember(entry);
    show(entry);
  }

  // "The assistant is writing…" while an answer is awaited: shown after the resident's message, gone with the
  // first reply (or the no-answer note). Not stored: a reload does not show it.
  const typing = document.createElement("li");
  typing.className = "message typing";
  typing.textContent = words.typing;

  function showTyping(shown) {
    if (shown) {
      log.appendChild(typing);
      form.scrollIntoView({ block: "end" });
    } else {
      typing.remove();
    }
  }

  function setStatus(text) {
    status.textContent = text;
  }

  function stopWaiting() {
    clearTimeout(waitingForAnswer);
    waitingForAnswer = null;
    showTyping(false);
  }

  function waitForAnswer() {
    if (waitingForAnswer === null) {
      waitingForAnswer = setTimeout(function () {
        waitingForAnswer = null;
        showTyping(false);
        add({ who: "note" });
      }, answerTimeoutMs);
    }
    showTyping(true);
  }

  storedLog().forEach(show);

  const socket = io({ path: words.socketPath });

  socket.on("connect", function () {
    socket.emit("session_request", { session_id: sessionId });
  });

  socket.on("session_confirm", function (confirmedId) {
    sessionId = confirmedId;
    confirmed = true;
    save(SESSION_KEY, sessionId);
    chat.dataset.sessionId = sessionId;
    setStatus(words.connected);
    unsent.splice(0).forEach(emit);
  });

  // Lost, or never reached (the assistant restarting): socket.io keeps trying; the resident is told meanwhile.
  function disconnected() {
    confirmed = false;
    setStatus(words.disconnected);
  }

  socket.on("disconnect", disconnected);
  socket.on("connect_error", disconnected);

  socket.on(words.botEvent, function (message) {
    if (message && typeof message.text === "string") {
      stopWaiting();
      add({ who: "bot", text: message.text, lang: message.lang });
    }
  });

  function emit(text) {
    socket.emit(words.userEvent, { message: text, session_id: sessionId });
  }

  function send() {
    const text = input.value.trim();
    if (!hasVisibleText(text)) {
      // Only spaces or invisible characters: an empty bubble, and no answer to wait for.
      input.value = "";
      setStatus(words.empty);
      return;
    }
    if (text.length > maxCharacters) {
      setStatus(words.tooLong);
      return;
    }
    add({ who: "user", text: text });
    input.value = "";
    setStatus(confirmed ? words.connected : words.disconnected); // any "empty" or "too long" hint is over
    // Kept until the connection (and the session) is back; the note with the emergency numbers appears if no
    // answer comes in time either way.
    if (confirmed) {
      emit(text);
    } else {
      unsent.push(text);
    }
    waitForAnswer();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send();
    input.focus();
  });

  // Enter sends; Shift+Enter (or Enter while composing an accented character) adds a line.
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
})();
