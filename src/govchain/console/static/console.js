// The overview's live part (nodes, heights, open alerts) is asked for again every few
// seconds and swapped in; the throughput chart is reloaded when the indexed height moved.
// Same origin only: the console fetches nothing from anywhere else.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) {
    return;
  }
  var every = parseInt(live.dataset.everyMs, 10) || 2000;
  var chart = document.getElementById("throughput");
  var base = chart ? chart.getAttribute("src") : "";
  var lastIndexed = null;

  function chartFollows() {
    var indexed = document.getElementById("indexed-height");
    if (chart && indexed && indexed.textContent !== lastIndexed) {
      lastIndexed = indexed.textContent;
      chart.setAttribute("src", base + "&at=" + encodeURIComponent(lastIndexed));
    }
  }

  function refresh() {
    fetch(live.dataset.refresh, { credentials: "same-origin", cache: "no-store" })
      .then(function (answer) {
        if (!answer.ok) {
          throw new Error("HTTP " + answer.status);
        }
        return answer.text();
      })
      .then(function (html) {
        live.innerHTML = html;
        live.classList.remove("stale");
        chartFollows();
      })
      .catch(function () {
        live.classList.add("stale");
      })
      .then(function () {
        window.setTimeout(refresh, every);
      });
  }

  lastIndexed = (document.getElementById("indexed-height") || {}).textContent || null;
  window.setTimeout(refresh, every);
})();
