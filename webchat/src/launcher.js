// The chat on the City's own pages: a button at the bottom right that opens the chat page in a panel, under the
// emergency numbers, which stay on screen however the frame fares (loading, or the assistant unreachable).
//   <script src="https://<assistant host>/webhooks/webchat/launcher.js" data-lang="fr" defer></script>
// Served by the assistant as this function called with its settings (pointe_claire/channels/webchat_widget.py):
// the origins allowed to show the chat (anywhere else nothing is shown, and the chat page refuses the frame anyway:
// frame-ancestors), the words in both languages (page_text.yml), the numbers (city_facts.yml), the colours
// (widget.yml). Everything lives in a shadow root: the City's styles do not reach it, and its styles do not leak.
// ASCII only (non-ASCII characters escaped), as its settings: whatever encoding the City's page declares.
(function (config) {
  "use strict";

  const script = document.currentScript;
  if (!script || !script.src) return;
  const base = new URL(".", script.src); // https://<assistant host>/webhooks/webchat/
  const allowed = config.origins.concat([base.origin]);
  if (!allowed.includes(window.location.origin)) {
    console.warn(
      "Pointe-Claire chat: " + window.location.origin + " may not show the chat; the assistant lists the sites " +
        "allowed (WEBCHAT_ALLOWED_ORIGINS)."
    );
    return;
  }
  const lang = script.dataset.lang === "en" ? "en" : "fr";
  const words = config.texts[lang];

  function element(tag, properties, children) {
    const node = document.createElement(tag);
    Object.assign(node, properties || {});
    (children || []).forEach(function (child) {
      node.append(child);
    });
    return node;
  }

  // A speech bubble drawn in the button's colour (an emoji would depend on the visitor's fonts).
  function bubbleIcon() {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "24");
    svg.setAttribute("height", "24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z");
    path.setAttribute("fill", "currentColor");
    svg.append(path);
    return svg;
  }

  function phone(number) {
    return element("a", { href: number.href, textContent: number.text });
  }

  function mount() {
    if (document.getElementById("pointe-claire-chat")) return; // the snippet pasted twice
    const host = element("div", { id: "pointe-claire-chat" });
    for (const [name, value] of Object.entries(config.colours)) {
      host.style.setProperty("--" + name, value); // CSSOM: allowed by a style-src without 'unsafe-inline'
    }
    const root = host.attachShadow({ mode: "open" });
    const stylesheet = element("link", { rel: "stylesheet", href: new URL("static/launcher.css", base).href });

    const opener = element("button", { type: "button", className: "launcher", lang: lang }, [
      bubbleIcon(),
      element("span", { textContent: words.launcher_open }),
    ]);
    opener.setAttribute("aria-expanded", "false");
    opener.setAttribute("aria-controls", "panel");

    const close = element("button", { type: "button", className: "close", textContent: "\u00D7", title: words.launcher_close });
    close.setAttribute("aria-label", words.launcher_close);
    const title = element("h2", { id: "panel-title", textContent: words.title });
    const emergency = element("p", { className: "emergency" }, [
      words.emergency_danger + " ",
      phone(config.numbers.danger),
      ". " + words.emergency_municipal + " ",
      phone(config.numbers.municipal),
      ".",
    ]);
    emergency.setAttribute("role", "note");
    emergency.setAttribute("aria-label", words.emergency_label);
    const frame = element("iframe", { title: words.title });
    const panel = element("section", { id: "panel", className: "panel", hidden: true, lang: lang }, [
      element("div", { className: "panel-header" }, [title, close]),
      emergency,
      frame,
    ]);
    panel.setAttribute("aria-labelledby", "panel-title");

    function setOpen(open) {
      panel.hidden = !open;
      host.classList.toggle("open", open);
      opener.setAttribute("aria-expanded", String(open));
      if (open) {
        if (!frame.src) {
          // Loaded on the first opening only: a visit that never opens the chat starts no conversation.
          frame.src = new URL("?lang=" + lang + "&embed=1", base).href;
        }
        frame.focus(); // Tab goes on inside the chat: its skip link, then the message field
      } else {
        opener.focus();
      }
    }

    opener.addEventListener("click", function () {
      setOpen(panel.hidden);
    });
    close.addEventListener("click", function () {
      setOpen(false);
    });
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") setOpen(false);
    });

    root.append(stylesheet, panel, opener);
    document.body.append(host);
  }

  if (document.body) {
    mount();
  } else {
    document.addEventListener("DOMContentLoaded", mount);
  }
})
