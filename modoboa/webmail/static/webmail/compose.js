/* The compose page: recipients completed from the address book.
 *
 * The last address typed in To, Cc or Bcc is looked up; the suggestions are
 * the field's whole value with that address completed (a datalist), so
 * choosing one keeps the addresses typed before.
 */
(function () {
  "use strict";
  var form = document.getElementById("compose-form");
  if (!form) {
    return;
  }
  var url = form.getAttribute("data-completion-url");
  var list = document.getElementById("compose-recipients");
  var timer = null;

  function lookup(input) {
    var value = input.value;
    var cut = value.lastIndexOf(",");
    var prefix = cut >= 0 ? value.slice(0, cut + 1) + " " : "";
    var query = value.slice(cut + 1).trim();
    if (query.length < 2) {
      return;
    }
    fetch(url + "?q=" + encodeURIComponent(query), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (data) {
        list.textContent = "";
        data.results.forEach(function (entry) {
          var option = document.createElement("option");
          option.value = prefix + entry.label + ", ";
          option.textContent = entry.label;
          list.appendChild(option);
        });
      })
      .catch(function () {
        list.textContent = "";
      });
  }

  form.querySelectorAll("input[data-recipients]").forEach(function (input) {
    input.setAttribute("list", "compose-recipients");
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        lookup(input);
      }, 200);
    });
  });
})();
