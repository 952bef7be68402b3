// The web chat page's behaviour: talks to the assistant over socket.io (same origin, Rasa's socket.io channel),
// shows the conversation, and keeps it for the browser tab (sessionStorage) so a reload keeps the conversation.
// The page's words come from the server (data-* attributes of <main>), in the page's language. A new conversation
// opens with the welcome and its buttons (Rasa's quick replies): a button sends its payload with its title, which
// the page shows as the resident's message.
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
  const talkToPerson = document.getElementById("talk-to-person");
  const endButton = document.getElementById("end-conversation");
  const endDialog = document.getElementById("end-dialog");
  const pageLanguage = document.documentElement.lang === "en" ? "en" : "fr";
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
    return { user: words.you, bot: words.assistant, staff: words.staff, note: words.note }[who];
  }

  // "14 h 05" on the French page, "2:05 p.m." on the English one: the time each message was written or received.
  const clock = new Intl.DateTimeFormat(pageLanguage === "en" ? "en-CA" : "fr-CA", {
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
    } else if (entry.who === "bot" || entry.who === "staff") {
      body.appendChild(linkify.render(entry.text, document));
    } else {
      body.textContent = entry.text;
    }
    item.appendChild(body);
    if (entry.who === "bot" && Array.isArray(entry.quickReplies) && entry.quickReplies.length) {
      item.appendChild(quickReplies(entry.quickReplies));
    }
    log.insertBefore(item, typing.parentNode === log ? typing : null); // the typing indicator stays last
    // The field to answer in stays on screen, the new bubble just above it (scrolling to the bubble pushed the
    // field below the window).
    form.scrollIntoView({ block: "end" });
  }

  // Real buttons in a labelled group: reached with Tab, pressed with Enter or Space, read as buttons.
  function quickReplies(replies) {
    const group = document.createElement("div");
    group.className = "quick-replies";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", words.topics);
    for (const reply of replies) {
      if (!reply || typeof reply.title !== "string" || typeof reply.payload !== "string") continue;
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = reply.title;
      button.addEventListener("click", function () {
        sendButton(reply.title, reply.payload);
      });
      group.appendChild(button);
    }
    return group;
  }

  // Once the resident has answered, the buttons offered before are gone: each door is offered once.
  function removeQuickReplies() {
    log.querySelectorAll(".quick-replies").forEach(function (group) {
      group.remove();
    });
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

  // After a reload, only the last message's buttons are still on offer.
  storedLog().forEach(function (entry, index, entries) {
    show(index === entries.length - 1 ? entry : Object.assign({}, entry, { quickReplies: null }));
  });

  const socket = io({ path: words.socketPath });

  socket.on("connect", function () {
    socket.emit("session_request", { session_id: sessionId, lang: pageLanguage });
  });

  socket.on("session_confirm", function (confirmedId) {
    const restarted = sessionId === null && status.textContent === words.ended;
    sessionId = confirmedId;
    confirmed = true;
    save(SESSION_KEY, sessionId);
    chat.dataset.sessionId = sessionId;
    if (!restarted) setStatus(words.connected); // "conversation ended, a new one starts" stays to be read
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
      const replies = Array.isArray(message.quick_replies) ? message.quick_replies : null;
      // A staff member's reply (sent from the City's review app) is labelled as theirs, not the assistant's.
      const who = message.staff === true ? "staff" : "bot";
      add({ who: who, text: message.text, lang: message.lang, quickReplies: replies });
    }
  });

  // `outgoing`: {message, payload?}; a button's payload goes with its title, as the server checks the pair.
  function emit(outgoing) {
    socket.emit(words.userEvent, Object.assign({ session_id: sessionId }, outgoing));
  }

  function deliver(outgoing) {
    removeQuickReplies();
    // Kept until the connection (and the session) is back; the note with the emergency numbers appears if no
    // answer comes in time either way.
    if (confirmed) {
      emit(outgoing);
    } else {
      unsent.push(outgoing);
    }
    waitForAnswer();
  }

  function sendButton(title, payload) {
    add({ who: "user", text: title });
    setStatus(confirmed ? words.connected : words.disconnected);
    deliver({ message: title, payload: payload });
    input.focus(); // the resident goes on typing, or tabs to the next buttons
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
    deliver({ message: text });
  }

  if (talkToPerson) {
    talkToPerson.addEventListener("click", function () {
      sendButton(talkToPerson.textContent, talkToPerson.dataset.payload);
    });
  }

  // "End conversation", once confirmed: the page forgets it (transcript and session id), the server stops sending
  // this socket its replies, and a new conversation starts with the welcome. Staff keep the old one as it was.
  function endConversation() {
    if (sessionId) socket.emit("session_end", { session_id: sessionId });
    try {
      sessionStorage.removeItem(SESSION_KEY);
      sessionStorage.removeItem(LOG_KEY);
    } catch (error) {
      // see load()
    }
    stopWaiting();
    unsent.length = 0;
    log.replaceChildren();
    sessionId = null;
    confirmed = false;
    delete chat.dataset.sessionId;
    setStatus(words.ended);
    socket.emit("session_request", { session_id: null, lang: pageLanguage });
  }

  endButton.addEventListener("click", function () {
    endDialog.showModal(); // focus goes to "keep chatting"; Escape closes it
  });
  document.getElementById("end-cancel").addEventListener("click", function () {
    endDialog.close();
  });
  document.getElementById("end-confirm").addEventListener("click", function () {
    endDialog.close();
    endConversation();
  });
  endDialog.addEventListener("close", function () {
    input.focus();
  });

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
