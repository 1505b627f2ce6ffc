/* Webmail: refresh the unseen counters and the quota of the folder list
   every refresh_interval seconds (the user's preference). */
(function () {
  "use strict";
  var nav = document.getElementById("webmail-folders");
  if (!nav || !window.fetch) { return; }
  var url = nav.getAttribute("data-folders-url");
  var seconds = Math.max(20, Number(nav.getAttribute("data-interval")) || 300);

  function update(data) {
    (data.folders || []).forEach(function (folder) {
      nav.querySelectorAll("li[data-folder]").forEach(function (item) {
        if (item.getAttribute("data-folder") !== folder.name) { return; }
        var badge = item.querySelector("[data-unseen]");
        if (!badge) { return; }
        badge.textContent = String(folder.unseen);
        badge.classList.toggle("d-none", !folder.unseen);
      });
    });
    var bar = nav.querySelector("[data-quota]");
    if (bar && data.quota) { bar.value = data.quota.percent; }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { update(data); } })
      .catch(function () { /* the next round tries again */ });
  }

  window.setInterval(poll, seconds * 1000);
  nav.setAttribute("data-poll-ready", "1");
})();
