// Loop dashboard: progressive enhancement only. Every action also works as a plain form without JavaScript.
(function () {
  "use strict";

  function csrf() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRF-Token"]; } catch (e) { return ""; }
  }

  // Copy buttons: <button data-copy="#id">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.textContent.trim();
    var done = function () {
      var status = document.getElementById(button.getAttribute("aria-describedby") || "");
      button.textContent = "Copied";
      if (status) status.textContent = "Copied to the clipboard";
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      var range = document.createRange();
      range.selectNodeContents(source);
      var selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected for Ctrl+C */ }
    }
  });

  // Kanban: native drag and drop; a drop posts the same form the "move" buttons post.
  var dragged = null;
  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".kcard[draggable='true']");
    if (!card) return;
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-card-id"));
  });
  document.addEventListener("dragover", function (event) {
    var column = event.target.closest && event.target.closest(".column[data-list-id]");
    if (!column || !dragged) return;
    event.preventDefault();
    column.classList.add("drop-target");
  });
  document.addEventListener("dragleave", function (event) {
    var column = event.target.closest && event.target.closest(".column[data-list-id]");
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("drop-target");
  });
  document.addEventListener("drop", function (event) {
    var column = event.target.closest && event.target.closest(".column[data-list-id]");
    if (!column || !dragged) return;
    event.preventDefault();
    column.classList.remove("drop-target");
    var cardId = dragged.getAttribute("data-card-id");
    var list = column.querySelector("ol");
    var position = 0;
    var cards = list.querySelectorAll(".kcard");
    for (var i = 0; i < cards.length; i++) {
      var box = cards[i].getBoundingClientRect();
      if (event.clientY > box.top + box.height / 2 && cards[i] !== dragged) position++;
    }
    var body = new URLSearchParams();
    body.set("list_id", column.getAttribute("data-list-id"));
    body.set("position", String(position));
    body.set("csrf_token", csrf());
    dragged = null;
    fetch("/app/board/cards/" + encodeURIComponent(cardId) + "/move", {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf(), "HX-Request": "true" }
    }).then(function () { window.location.reload(); });
  });
})();
