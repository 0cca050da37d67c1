// The board after a claim or a move that htmx swapped in place: the keyboard stays on the card
// that moved (on the same control when the card still has it, else on its link), and the polite
// live region says what happened. Without JavaScript the redirect lands on the card instead
// (#card-REF) with the words in the page. No inline script (strict CSP).
(function () {
  "use strict";
  var live = document.getElementById("board-live");
  var board = document.getElementById("board");
  if (!live || !board) { return; }
  var holder = board.parentNode;
  var control = "";

  // Which control sent the form, to find its twin on the new card.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var scope = form && form.closest ? (form.closest(".card-action") || form) : null;
    var button = scope ? scope.querySelector("[data-focus-key]") : null;
    control = button ? button.getAttribute("data-focus-key") : "";
  }, true);

  function announce(text) {
    live.textContent = "";
    // A moment apart, so the same words twice are still read twice.
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  function target(fresh) {
    var ref = fresh.getAttribute("data-news-ref");
    var card = ref ? document.getElementById("card-" + ref) : null;
    if (card) {
      return (control && card.querySelector("[data-focus-key='" + control + "']")) ||
        card.querySelector(".card-title a") || card;
    }
    return document.getElementById("board-notice") || fresh;
  }

  function settle() {
    var fresh = document.getElementById("board");
    if (!fresh || fresh === board || !fresh.hasAttribute("data-news")) { return; }
    board = fresh;
    target(fresh).focus();
    announce(fresh.getAttribute("data-news"));
  }

  new MutationObserver(function () { window.setTimeout(settle, 0); })
    .observe(holder, { childList: true });
  document.addEventListener("htmx:after:settle", settle);
})();
