// Live reload, the one thing the pages need JavaScript for: when the
// server says the project was reloaded, fetch this page again and put its
// <main> in place of the old one (no full reload: scroll position, the form
// fields and which sections are open stay as they were).
(function () {
  'use strict';
  if (!window.EventSource || !window.fetch || !window.DOMParser) return;
  var busy = false;
  var again = false;

  function generation() {
    var main = document.querySelector('main');
    return main ? main.getAttribute('data-generation') : null;
  }

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, { cache: 'no-store', credentials: 'same-origin' })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.querySelector('main');
        var old = document.querySelector('main');
        if (!fresh || !old) return;
        var open = {};
        old.querySelectorAll('details').forEach(function (d, i) { if (d.open) open[i] = true; });
        fresh.querySelectorAll('details').forEach(function (d, i) { if (open[i]) d.open = true; });
        old.replaceWith(document.adoptNode(fresh));
        document.title = doc.title;
      })
      .catch(function () { /* the next event tries again */ })
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }

  var events = new EventSource('/events');
  events.addEventListener('reload', function (e) {
    if (e.data !== generation()) refresh();
  });
})();
