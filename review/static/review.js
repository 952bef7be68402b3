/* Keyboard shortcuts for fast triage (the help panel opens on "?"), and "select all" in the lists.
   Everything here only presses the page's own links and buttons: without this script every action is still a
   link or a form. Served from this app ("script-src 'self'", no inline script). */
(function () {
  "use strict";
  var help = document.getElementById("shortcuts");
  var opener = document.getElementById("shortcuts-button");
  var links = Array.prototype.slice.call(document.querySelectorAll("a.conversation-link"));
  var current = -1;

  function typing(target) {
    return Boolean(target) && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(target.tagName));
  }
  function rowOf(link) {
    return link.closest("tr") || link;
  }
  function follow(id) {
    var link = document.getElementById(id);
    if (!link) return false;
    window.location.assign(link.href);
    return true;
  }
  function choose(step) {
    if (!links.length) return false;
    if (current >= 0) rowOf(links[current]).classList.remove("chosen");
    current = Math.max(0, Math.min(links.length - 1, current + step));
    rowOf(links[current]).classList.add("chosen");
    links[current].focus();
    return true;
  }
  function ticked() {
    return document.querySelectorAll("input.pick-row:checked").length;
  }
  function toggle() {
    if (current < 0) return false;
    var box = rowOf(links[current]).querySelector("input.pick-row");
    if (box) box.checked = !box.checked;
    return Boolean(box);
  }
  function markReviewed() {
    var button = document.getElementById("mark-reviewed");
    var wanted = button && button.form.querySelector('input[name="reviewed"]');
    if (wanted && wanted.value === "yes") {  // the transcript, not reviewed yet: never un-review by a key
      button.click();
      return true;
    }
    var bulk = document.getElementById("bulk");
    if (bulk && ticked()) {  // a list with ticked rows: mark them all
      document.getElementById("bulk-action").value = "reviewed";
      document.getElementById("bulk-apply").click();
      return true;
    }
    return false;
  }
  function toggleHelp() {
    if (!help) return false;
    if (help.open) help.close();
    else help.showModal();
    return true;
  }
  var keys = {
    "?": toggleHelp,
    j: function () { return links.length ? choose(1) : follow("next-conversation"); },
    k: function () { return links.length ? choose(-1) : follow("previous-conversation"); },
    o: function () { return current >= 0 && (window.location.assign(links[current].href), true); },
    x: toggle,
    r: markReviewed,
    s: function () {
      var button = document.getElementById("save-next");
      if (button) button.click();
      return Boolean(button);
    },
    u: function () {
      var back = document.querySelector("main > p:first-child > a");  // the transcript's "Back"
      if (back && document.getElementById("sender-id")) window.location.assign(back.href);
      return Boolean(back && document.getElementById("sender-id"));
    },
    "/": function () {
      var search = document.getElementById("search");
      if (search) search.focus();
      return Boolean(search);
    }
  };
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    if (help && help.open && event.key !== "?") return;  // the open panel: Escape and Tab as a dialog's
    var action = Object.prototype.hasOwnProperty.call(keys, event.key) ? keys[event.key] : null;
    if (action && action()) event.preventDefault();
  });
  Array.prototype.forEach.call(document.querySelectorAll("input.pick-all"), function (all) {
    all.hidden = false;
    all.addEventListener("change", function () {
      Array.prototype.forEach.call(all.closest("table").querySelectorAll("input.pick-row"), function (box) {
        box.checked = all.checked;
      });
    });
  });
  if (opener && help) {
    opener.hidden = false;
    opener.addEventListener("click", toggleHelp);
  }
})();
