// "Copy the link" on the confirmation page. Without JavaScript the button stays hidden and the
// link is shown to select by hand; with it, one press copies it. No inline script (strict CSP).
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var target = document.getElementById(button.getAttribute("data-copy"));
    var holder = button.parentNode;
    var status = holder.querySelector("[role=status]");
    if (!target || !navigator.clipboard) { return; }
    holder.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        status.textContent = button.getAttribute("data-copied");
      }, function () {
        var range = document.createRange();
        range.selectNodeContents(target);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
      });
    });
  });
})();
