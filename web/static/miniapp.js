// The Mini App signs in with the initData Telegram puts in the page's address
// (#tgWebAppData=...); the server checks its signature. No other script runs here.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var hash = new URLSearchParams(window.location.hash.slice(1));
  var data = hash.get("tgWebAppData");
  var form = document.getElementById("miniapp-signin");
  if (data && form) {
    document.getElementById("init-data").value = data;
    form.submit();
  }
});
