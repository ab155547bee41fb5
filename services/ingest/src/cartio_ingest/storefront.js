/* Cartio storefront tracker: tells Cartio which cart this browser session holds. Served by ingest. */
(function () {
  "use strict";
  var endpoint = "__CARTIO_BEACON_URL__";
  var store = "__CARTIO_STORE__";
  var key = "cartio_session";
  var session;
  try {
    session = window.sessionStorage.getItem(key);
    if (!session) {
      session = Array.from(window.crypto.getRandomValues(new Uint8Array(16)), function (b) {
        return ("0" + b.toString(16)).slice(-2);
      }).join("");
      window.sessionStorage.setItem(key, session);
    }
  } catch (e) { return; }
  var last = null;
  function report() {
    fetch("/api/storefront/carts", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (carts) {
        if (!carts || !carts.length || carts[0].id === last) { return; }
        last = carts[0].id;
        var body = JSON.stringify({ store_hash: store, cart_id: carts[0].id, session_id: session });
        if (!(navigator.sendBeacon && navigator.sendBeacon(endpoint, body))) {
          fetch(endpoint, { method: "POST", body: body, mode: "no-cors", keepalive: true });
        }
      })
      .catch(function () { /* the shop must never break because of Cartio */ });
  }
  report();
  document.addEventListener("visibilitychange", report);
  window.setInterval(report, 30000);
})();
