// rotor's runbook page for people: a copy button on every command, and the
// ticked boxes kept in this browser per runbook (localStorage), so a reload
// or a second visit shows where the rotation stands. Loaded only on a
// written runbook; the page reads fine without it.
"use strict";
(function () {
  var main = document.getElementById("runbook");
  if (!main) { return; }
  var key = "rotor.checks." + main.getAttribute("data-id");

  // Checkboxes: restore, then save on every change.
  var saved = {};
  try { saved = JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { saved = {}; }
  var boxes = main.querySelectorAll("input[type=checkbox][name]");
  Array.prototype.forEach.call(boxes, function (box) {
    if (saved[box.name]) { box.checked = true; }
    box.addEventListener("change", function () {
      if (box.checked) { saved[box.name] = true; } else { delete saved[box.name]; }
      try { localStorage.setItem(key, JSON.stringify(saved)); } catch (e) { /* private mode: not kept */ }
    });
  });

  // Contents: an appendix is a collapsed <details>; following its link
  // opens it, so the link shows the section rather than its title alone.
  function openTarget() {
    var target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target && target.tagName === "DETAILS") { target.open = true; }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();

  // Copy buttons: every code span holding a command (more than one word).
  function copied(button) {
    button.setAttribute("data-copied", "1");
    button.textContent = "Copied";
    setTimeout(function () { button.textContent = "Copy"; }, 1500);
  }
  function fallback(text, button) {
    var area = document.createElement("textarea");
    area.value = text;
    document.body.appendChild(area);
    area.select();
    try { if (document.execCommand("copy")) { copied(button); } } catch (e) { /* nothing to do */ }
    area.remove();
  }
  Array.prototype.forEach.call(main.querySelectorAll("code.cmd"), function (code) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy the command");
    button.addEventListener("click", function (ev) {
      ev.preventDefault();
      var text = code.textContent;
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { copied(button); }, function () { fallback(text, button); });
      } else {
        fallback(text, button);
      }
    });
    code.insertAdjacentElement("afterend", button);
  });
}());
