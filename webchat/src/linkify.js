// Turns a reply's text into DOM nodes: the text stays text (never parsed as HTML, so "<b>" shows as "<b>"), and
// web addresses, e-mails and phone numbers become links (https://, mailto:, tel:). Only those three schemes are
// ever produced. The patterns follow pointe_claire/city_facts.py (PHONE_PATTERN, EMAIL_PATTERN, URL_PATTERN).
(function (global) {
  "use strict";

  const LINK = new RegExp(
    [
      /(https?:\/\/[^\s<>"')\]]+|www\.[^\s<>"')\]]+)/.source,
      /([\w.+-]+@[\w-]+(?:\.[\w-]+)+)/.source,
      /((?<!\d)(?:\d{3}[-. ]\d{3}[-. ]\d{4}|9-1-1|911)(?!\d))/.source,
    ].join("|"),
    "g",
  );
  const TRAILING_PUNCTUATION = /[.,;:!?]+$/;

  /** tel: link of a number as replies write it: 514-630-1234 -> tel:+15146301234, 9-1-1 -> tel:911. */
  function telHref(number) {
    const digits = number.replace(/\D/g, "");
    return "tel:" + (digits.length === 10 ? "+1" + digits : digits);
  }

  /** The text cut into plain pieces and links: [{text}, {text, href}, ...]. */
  function segments(text) {
    const pieces = [];
    let last = 0;
    for (const match of text.matchAll(LINK)) {
      const [found, url, email] = match;
      const shown = url ? found.replace(TRAILING_PUNCTUATION, "") : found;
      let href;
      if (url) {
        href = shown.startsWith("www.") ? "https://" + shown : shown;
      } else if (email) {
        href = "mailto:" + shown;
      } else {
        href = telHref(shown);
      }
      if (match.index > last) {
        pieces.push({ text: text.slice(last, match.index) });
      }
      pieces.push({ text: shown, href: href });
      last = match.index + shown.length;
    }
    if (last < text.length) {
      pieces.push({ text: text.slice(last) });
    }
    return pieces;
  }

  /** A fragment holding the text with its links, built node by node (no innerHTML). */
  function render(text, doc) {
    const fragment = doc.createDocumentFragment();
    for (const piece of segments(text)) {
      if (piece.href) {
        const link = doc.createElement("a");
        link.href = piece.href;
        link.textContent = piece.text;
        fragment.appendChild(link);
      } else {
        fragment.appendChild(doc.createTextNode(piece.text));
      }
    }
    return fragment;
  }

  global.PointeClaireLinkify = Object.freeze({ segments: segments, render: render, telHref: telHref });
})(globalThis);
