// rotor's request form: builds the request JSON from the fields, sends it
// with Prefer: respond-async (and the API key kept in this tab's session
// storage), then opens the runbook page, which follows the job. Without
// this script the browser posts the form itself (POST /), which works too.
"use strict";
(function () {
  var form = document.getElementById("request-form");
  var list = document.getElementById("secret-list");
  var tmpl = document.getElementById("secret-template");
  var errors = document.getElementById("form-errors");
  var keyInput = document.getElementById("api-key");
  var KEY = "rotor.apiKey";

  // Secret rows: the page comes with its rows (a browser without
  // JavaScript adds and removes them through the server); here they are
  // added and removed in place.
  function wire(node) {
    node.querySelector(".remove-secret").addEventListener("click", function (ev) {
      ev.preventDefault();
      if (list.children.length > 1) { node.remove(); }
    });
  }
  function addSecret(ev) {
    if (ev) { ev.preventDefault(); }
    var node = tmpl.content.firstElementChild.cloneNode(true);
    var i = list.children.length;
    Array.prototype.forEach.call(node.querySelectorAll("[name^=secret_]"), function (el) {
      el.id = "secret-" + i + "-" + el.name.slice("secret_".length);
    });
    wire(node);
    list.appendChild(node);
    return node;
  }
  Array.prototype.forEach.call(list.children, wire);
  document.getElementById("add-secret").addEventListener("click", addSecret);
  if (list.children.length === 0) { addSecret(); }

  if (keyInput) {
    var stored = sessionStorage.getItem(KEY);
    if (stored) { keyInput.value = stored; }
  }

  function items(text) {
    return text.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
  }
  function lines(text) {
    return text.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
  }
  function set(obj, key, value) {
    if (value === "" || (Array.isArray(value) && value.length === 0)) { return; }
    obj[key] = value;
  }

  function request() {
    var f = form.elements;
    var req = {system: f.system.value.trim()};
    set(req, "trigger", f.trigger.value);
    set(req, "environments", items(f.environments.value));
    set(req, "deployment", Array.prototype.filter.call(form.querySelectorAll("input[name=deployment]"), function (c) { return c.checked; }).map(function (c) { return c.value; }));
    set(req, "secret_store", f.secret_store.value);
    set(req, "downtime_tolerance", f.downtime_tolerance.value);
    req.secrets = Array.prototype.map.call(list.querySelectorAll(".secret"), function (node) {
      var s = {};
      ["name", "kind", "provider", "owner", "exposure", "notes"].forEach(function (k) { set(s, k, node.querySelector("[name=secret_" + k + "]").value.trim()); });
      set(s, "consumers", items(node.querySelector("[name=secret_consumers]").value));
      set(s, "environments", items(node.querySelector("[name=secret_environments]").value));
      return s;
    }).filter(function (s) { return Object.keys(s).length > 0; });
    set(req, "services", lines(f.services.value).map(function (l) {
      var p = items(l), s = {name: p[0]};
      set(s, "owner", p[1] || "");
      set(s, "criticality", (p[2] || "").toLowerCase());
      return s;
    }));
    set(req, "owners", lines(f.owners.value).map(function (l) {
      var p = items(l), o = {name: p[0]};
      set(o, "role", (p[1] || "").toLowerCase());
      return o;
    }));
    set(req, "constraints", lines(f.constraints.value));
    return req;
  }

  function show(lines) {
    errors.textContent = "";
    lines.forEach(function (l) {
      var p = document.createElement("p");
      p.textContent = l;
      errors.appendChild(p);
    });
    errors.hidden = lines.length === 0;
    if (lines.length) { errors.scrollIntoView(); }
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    show([]);
    var headers = {"Content-Type": "application/json", "Prefer": "respond-async", "Accept": "application/json"};
    if (keyInput) {
      var key = keyInput.value.trim();
      if (!key) { show(["Enter your API key."]); return; }
      sessionStorage.setItem(KEY, key);
      headers.Authorization = "Bearer " + key;
    }
    var button = document.getElementById("submit");
    button.disabled = true;
    fetch("/runbooks", {method: "POST", headers: headers, body: JSON.stringify(request())})
      .then(function (resp) {
        return resp.json().then(function (body) { return {status: resp.status, body: body}; });
      })
      .then(function (r) {
        if ((r.status === 202 || r.status === 200) && r.body.page) {
          window.location.assign(r.body.page);
          return;
        }
        button.disabled = false;
        var e = r.body.error || {message: "unexpected answer " + r.status};
        if (r.status === 401 && keyInput) { sessionStorage.removeItem(KEY); }
        show([e.message].concat((e.fields || []).map(function (f) { return (f.path ? f.path + ": " : "") + f.problem; })));
      })
      .catch(function (err) {
        button.disabled = false;
        show(["rotor did not answer: " + err]);
      });
  });
}());
