/* The compose page's rich-text mode: a small editor on a contenteditable
 * element, under the page's strict Content-Security-Policy (no inline
 * script or style: everything here is in static files, and the editor
 * writes tags, never style attributes).
 *
 * The form's textarea (#id_body) stays the field that is posted: in HTML
 * mode it is hidden and receives the editor's HTML when the form is
 * submitted; the server sanitises it (nh3) and derives the plain-text
 * part. The "Format" choice (#id_mode) switches between the textarea and
 * the editor, converting the text one way or the other. Without
 * JavaScript the textarea takes HTML as before.
 */
(function () {
  "use strict";
  var form = document.getElementById("compose-form");
  var mode = document.getElementById("id_mode");
  var body = document.getElementById("id_body");
  var rich = document.getElementById("compose-rich");
  var editor = document.getElementById("compose-editor");
  if (!form || !mode || !body || !rich || !editor) {
    return;
  }
  var toolbar = document.getElementById("compose-toolbar");
  var linkInput = document.getElementById("compose-link-url");
  var saved = null;

  // What the editor keeps of an HTML text it loads (the tags its commands
  // make); anything else is replaced by its content, attributes dropped
  // but a link's safe address.
  var KEPT = [
    "A", "B", "BLOCKQUOTE", "BR", "DIV", "EM", "I", "LI", "OL", "P", "STRONG", "U", "UL",
  ];
  var SAFE_LINK = /^(https?:|mailto:)/i;

  function copyInto(target, source) {
    source.childNodes.forEach(function (node) {
      if (node.nodeType === Node.TEXT_NODE) {
        target.appendChild(document.createTextNode(node.nodeValue));
        return;
      }
      if (node.nodeType !== Node.ELEMENT_NODE) {
        return;
      }
      var name = node.nodeName.toUpperCase();
      if (name === "SCRIPT" || name === "STYLE" || name === "TEMPLATE") {
        return;
      }
      if (KEPT.indexOf(name) < 0) {
        copyInto(target, node);
        return;
      }
      var copy = document.createElement(name.toLowerCase());
      if (name === "A") {
        var href = (node.getAttribute("href") || "").trim();
        if (SAFE_LINK.test(href)) {
          copy.setAttribute("href", href);
        }
      }
      copyInto(copy, node);
      target.appendChild(copy);
    });
  }

  function loadHtml(html) {
    // Parsed in an inert document (no script runs, nothing loads), then
    // rebuilt element by element in the page.
    var parsed = new DOMParser().parseFromString(html, "text/html");
    editor.textContent = "";
    copyInto(editor, parsed.body);
  }

  function loadText(text) {
    editor.textContent = "";
    text.replace(/\r\n/g, "\n").split("\n").forEach(function (line) {
      var block = document.createElement("div");
      if (line) {
        block.textContent = line;
      } else {
        block.appendChild(document.createElement("br"));
      }
      editor.appendChild(block);
    });
  }

  var BLOCKS = /^(P|DIV|LI|BLOCKQUOTE|UL|OL)$/;

  function toText(node, quote, lines) {
    node.childNodes.forEach(function (child) {
      if (child.nodeType === Node.TEXT_NODE) {
        lines[lines.length - 1] += child.nodeValue.replace(/\s+/g, " ");
        return;
      }
      if (child.nodeType !== Node.ELEMENT_NODE) {
        return;
      }
      var name = child.nodeName.toUpperCase();
      if (name === "BR") {
        lines.push(quote);
        return;
      }
      var block = BLOCKS.test(name);
      var inner = name === "BLOCKQUOTE" ? quote + "> " : quote;
      if (block && lines[lines.length - 1] !== quote) {
        lines.push(inner);
      } else if (block) {
        lines[lines.length - 1] = inner;
      }
      if (name === "LI") {
        lines[lines.length - 1] += "- ";
      }
      toText(child, inner, lines);
      if (name === "A") {
        var href = child.getAttribute("href");
        if (href && href !== child.textContent) {
          lines[lines.length - 1] += " <" + href + ">";
        }
      }
      if (block) {
        lines.push(quote);
      }
    });
  }

  function editorText() {
    var lines = [""];
    toText(editor, "", lines);
    return lines
      .map(function (line) {
        return line.replace(/\s+$/, "");
      })
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .replace(/^\n+|\n+$/g, "");
  }

  function showRich(on) {
    rich.hidden = !on;
    body.hidden = on;
  }

  function rememberSelection() {
    var selection = window.getSelection();
    if (selection.rangeCount && editor.contains(selection.anchorNode)) {
      saved = selection.getRangeAt(0).cloneRange();
    }
    refreshState();
  }

  function restoreSelection() {
    editor.focus();
    if (saved) {
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(saved);
    }
  }

  function refreshState() {
    toolbar.querySelectorAll("[aria-pressed]").forEach(function (button) {
      var state = false;
      try {
        state = document.queryCommandState(button.getAttribute("data-command"));
      } catch (error) {
        state = false;
      }
      button.setAttribute("aria-pressed", state ? "true" : "false");
      button.classList.toggle("active", state);
    });
  }

  function inQuote() {
    var node = saved ? saved.commonAncestorContainer : null;
    while (node && node !== editor) {
      if (node.nodeName === "BLOCKQUOTE") {
        return true;
      }
      node = node.parentNode;
    }
    return false;
  }

  function run(command) {
    restoreSelection();
    if (command === "createLink") {
      var href = linkInput.value.trim();
      var valid = SAFE_LINK.test(href);
      linkInput.classList.toggle("is-invalid", !valid);
      if (!valid || !saved || saved.collapsed) {
        if (!valid) {
          linkInput.focus();
        }
        return;
      }
      document.execCommand("createLink", false, href);
      linkInput.value = "";
    } else if (command === "quote") {
      if (inQuote()) {
        document.execCommand("formatBlock", false, "div");
      } else {
        document.execCommand("formatBlock", false, "blockquote");
      }
    } else {
      document.execCommand(command, false, null);
    }
    rememberSelection();
  }

  // Tags rather than style attributes (which the policy would refuse).
  try {
    document.execCommand("styleWithCSS", false, false);
    document.execCommand("defaultParagraphSeparator", false, "div");
  } catch (error) {
    // Older engines make tags anyway.
  }

  toolbar.addEventListener("mousedown", function (event) {
    // Keep the editor's selection when a button is pressed.
    if (event.target.closest("button")) {
      event.preventDefault();
    }
  });
  toolbar.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-command]");
    if (button) {
      run(button.getAttribute("data-command"));
    }
  });
  linkInput.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      run("createLink");
    }
  });
  // The selection is noted as it changes, and at once after a key, a
  // click and when the editor loses the focus (selectionchange comes
  // later, when the focus may be elsewhere already).
  ["keyup", "mouseup", "blur"].forEach(function (name) {
    editor.addEventListener(name, rememberSelection);
  });
  document.addEventListener("selectionchange", function () {
    if (editor.contains(document.activeElement) || document.activeElement === editor) {
      rememberSelection();
    }
  });

  mode.addEventListener("change", function () {
    if (mode.value === "html") {
      loadText(body.value);
      showRich(true);
      editor.focus();
    } else {
      body.value = editorText() + "\n";
      showRich(false);
    }
  });

  form.addEventListener("submit", function () {
    if (mode.value === "html") {
      body.value = editor.innerHTML;
    }
  });

  if (mode.value === "html") {
    loadHtml(body.value);
    showRich(true);
  }
})();
