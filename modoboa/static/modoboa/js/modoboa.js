/* Progressive enhancement of the Modoboa console.
 *
 * Every page works as plain forms and links; this file only adds
 * conveniences: wizard steps, tabs opened on errors, fields shown by
 * visibility rules, growing lists of inputs, confirmations, the
 * notification poller and the news widget. No inline script or handler is
 * used anywhere, so a strict Content-Security-Policy can be applied.
 */
(function () {
  "use strict";

  function $all(selector, root) {
    return Array.prototype.slice.call((root || document).querySelectorAll(selector));
  }

  function fieldValue(form, name) {
    var inputs = $all('[name="' + name + '"]', form);
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.type === "checkbox") { return input.checked ? "True" : "False"; }
      if (input.type === "radio") { if (input.checked) { return input.value; } continue; }
      return input.value;
    }
    return "";
  }

  /* Conditions like "type=relaydomain" or "a=1 & b=2". */
  function conditionHolds(form, rule) {
    return rule.split("&").every(function (part) {
      var pieces = part.split("=");
      return fieldValue(form, pieces[0].trim()) === (pieces[1] || "").trim();
    });
  }

  /* Sections or fields with data-show-if="field=value". */
  function initShowIf() {
    $all("form").forEach(function (form) {
      var targets = $all("[data-show-if]", form);
      if (!targets.length) { return; }
      function refresh() {
        targets.forEach(function (el) {
          var visible = conditionHolds(form, el.getAttribute("data-show-if"));
          el.hidden = !visible;
          $all("input, select, textarea", el).forEach(function (input) {
            if (input.hasAttribute("required") || input.dataset.wasRequired) {
              input.dataset.wasRequired = "1";
              input.required = visible;
            }
          });
        });
      }
      form.addEventListener("change", refresh);
      refresh();
    });
  }

  /* Parameters: rules given as JSON {field: [{field, value}]}. */
  function initVisibilityRules() {
    $all("script[type='application/json'][id^='visibility-rules']").forEach(function (node) {
      var rules;
      try { rules = JSON.parse(node.textContent); } catch (e) { return; }
      var form = node.closest("form") || document;
      function refresh() {
        Object.keys(rules).forEach(function (name) {
          var container = form.querySelector('[data-field="' + name + '"]');
          if (!container) { return; }
          container.hidden = !rules[name].every(function (cond) {
            return fieldValue(form, cond.field) === cond.value;
          });
        });
      }
      form.addEventListener("change", refresh);
      refresh();
    });
  }

  /* Open the tab (or wizard step) holding the first error. */
  function showFirstError() {
    var invalid = document.querySelector(".is-invalid, .invalid-feedback.d-block, .alert-danger[data-step]");
    if (!invalid) { return; }
    var pane = invalid.closest(".tab-pane");
    if (pane && window.bootstrap) {
      var trigger = document.querySelector('[data-bs-toggle="tab"][data-bs-target="#' + pane.id + '"]');
      if (trigger) { window.bootstrap.Tab.getOrCreateInstance(trigger).show(); }
    }
    var step = invalid.closest(".wizard-step");
    if (step) { showStep(step.closest("form"), stepIndex(step), true); }
  }

  function visibleSteps(form) {
    return $all(".wizard-step", form).filter(function (step) { return !step.hidden; });
  }

  function stepIndex(step) {
    return visibleSteps(step.closest("form")).indexOf(step);
  }

  /* Move the focus to the step's heading only when the user changes step:
     not on page load, nor when a field change re-renders the steps. */
  function showStep(form, index, focus) {
    var steps = visibleSteps(form);
    index = Math.max(0, Math.min(index, steps.length - 1));
    $all(".wizard-step", form).forEach(function (step) { step.classList.remove("active"); });
    steps[index].classList.add("active");
    form.dataset.step = String(index);
    var labels = $all(".wizard-steps .step", form);
    labels.forEach(function (label) {
      var active = label.getAttribute("data-step-id") === steps[index].id;
      label.classList.toggle("active", active);
      if (active) { label.setAttribute("aria-current", "step"); } else { label.removeAttribute("aria-current"); }
      var owner = form.querySelector("#" + label.getAttribute("data-step-id"));
      label.hidden = owner ? owner.hidden : false;
    });
    var prev = form.querySelector("[data-wizard-prev]");
    var next = form.querySelector("[data-wizard-next]");
    var submit = form.querySelector("[data-wizard-submit]");
    if (prev) { prev.hidden = index === 0; }
    if (next) { next.hidden = index === steps.length - 1; }
    if (submit) { submit.hidden = index !== steps.length - 1; }
    var heading = steps[index].querySelector("h2, legend");
    if (heading && focus) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
  }

  function initWizards() {
    $all("form.wizard").forEach(function (form) {
      var prev = form.querySelector("[data-wizard-prev]");
      var next = form.querySelector("[data-wizard-next]");
      showStep(form, 0);
      if (next) {
        next.addEventListener("click", function () {
          var steps = visibleSteps(form);
          var current = steps[Number(form.dataset.step || 0)];
          var fields = $all("input, select, textarea", current);
          for (var i = 0; i < fields.length; i++) {
            if (!fields[i].checkValidity()) { fields[i].reportValidity(); return; }
          }
          showStep(form, Number(form.dataset.step || 0) + 1, true);
        });
      }
      if (prev) {
        prev.addEventListener("click", function () {
          showStep(form, Number(form.dataset.step || 0) - 1, true);
        });
      }
      form.addEventListener("change", function () {
        showStep(form, Number(form.dataset.step || 0));
      });
    });
  }

  /* Inputs prefilled with a suffix ("@domain"): the caret starts before it. */
  function initCaretStart() {
    $all("input[data-caret-start]").forEach(function (input) {
      input.addEventListener("focus", function () {
        if (input.value.charAt(0) === "@") { input.setSelectionRange(0, 0); }
      });
    });
  }

  /* "Add" buttons under lists of inputs. */
  function initListInputs() {
    $all("[data-list-input]").forEach(function (list) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-sm btn-outline-secondary";
      button.textContent = list.getAttribute("data-add-label") || "+";
      button.setAttribute("aria-label", list.getAttribute("data-add-label") || "Add");
      button.addEventListener("click", function () {
        var inputs = $all("input", list);
        var model = inputs[inputs.length - 1];
        var clone = model.cloneNode(false);
        clone.value = "";
        clone.id = model.id.replace(/_\d+$/, "") + "_" + inputs.length;
        clone.classList.remove("is-invalid");
        list.appendChild(clone);
        clone.focus();
      });
      list.parentNode.insertBefore(button, list.nextSibling);
    });
  }

  function initConfirmations() {
    document.addEventListener("submit", function (event) {
      var form = event.target;
      var message = form.getAttribute("data-confirm");
      if (message && !window.confirm(message)) { event.preventDefault(); }
    });
  }

  function initSelectAll() {
    $all("[data-select-all]").forEach(function (box) {
      var name = box.getAttribute("data-select-all");
      box.addEventListener("change", function () {
        $all('input[type="checkbox"][name="' + name + '"]').forEach(function (item) {
          item.checked = box.checked;
        });
      });
    });
  }

  function initNotifications() {
    var holder = document.querySelector("[data-notifications-url]");
    if (!holder || !window.fetch) { return; }
    var url = holder.getAttribute("data-notifications-url");
    var interval = Number(holder.getAttribute("data-interval")) || 30000;
    var list = holder.querySelector("[data-notifications-list]");
    var counter = holder.querySelector("[data-notifications-count]");
    function render(items) {
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        var link = document.createElement("a");
        link.className = "dropdown-item text-wrap text-" + (item.level || "info");
        link.href = item.url || "#";
        link.textContent = item.text;
        li.appendChild(link);
        list.appendChild(li);
      });
      counter.textContent = String(items.length);
      holder.hidden = items.length === 0;
    }
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (response.status !== 200) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(render)
        .catch(function () { /* Try again at the next tick. */ });
    }
    poll();
    window.setInterval(poll, interval);
  }

  function initLazyFragments() {
    $all("[data-fragment-url]").forEach(function (node) {
      if (!window.fetch) { return; }
      fetch(node.getAttribute("data-fragment-url"), { credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var template = document.createElement("template");
          template.innerHTML = html;
          node.replaceChildren(template.content);
        })
        .catch(function () { /* The placeholder text stays. */ });
    });
  }

  function init() {
    initShowIf();
    initVisibilityRules();
    initWizards();
    initListInputs();
    initCaretStart();
    initConfirmations();
    initSelectAll();
    initNotifications();
    initLazyFragments();
    showFirstError();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
