// Follows a runbook being written: marks each section as its event arrives,
// then reloads the page, which the server renders as the full runbook.
"use strict";
(function () {
  var url = document.body.getAttribute("data-events");
  if (!url || !window.EventSource) { return; }
  var status = document.getElementById("job-status");
  var errBox = document.getElementById("job-error");
  var es = new EventSource(url);
  status.textContent = "running";
  es.addEventListener("section", function (ev) {
    var data = JSON.parse(ev.data);
    var li = document.querySelector('#progress li[data-section="' + data.section + '"]');
    if (li) {
      li.className = "state-" + data.status.source;
      li.querySelector(".state").textContent = data.status.source;
    }
  });
  es.addEventListener("done", function () {
    es.close();
    status.textContent = "done";
    window.location.reload();
  });
  es.addEventListener("error", function (ev) {
    if (!ev.data) { return; } // a dropped connection: EventSource reconnects by itself
    es.close();
    var data = JSON.parse(ev.data);
    status.textContent = "failed";
    errBox.textContent = (data.error && data.error.message) || "the runbook could not be written";
    errBox.hidden = false;
  });
}());
