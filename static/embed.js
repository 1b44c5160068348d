/*
 * TLS 1.3 handshake, byte by byte: embed it in a post.
 *
 *   <div data-tls-handshake data-seed="7" data-scenario="tamper" data-step="4"></div>
 *   <script src="https://you.github.io/repo/embed.js" async></script>
 *
 * Each such element (and each <iframe data-tls-handshake>) becomes a lazy-loaded frame of the
 * page next to this script, in its embed layout, whose height follows what it shows. The frame
 * tells its height with postMessage({type: "tls-handshake:height", height: N}); this script takes
 * such a message only from that frame's window and the page's origin, only in that shape, and
 * clamps the height; anything else is ignored.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  var base = new URL('.', (script && script.src) || location.href);
  var PARAMS = ['seed', 'scenario', 'keyupdate', 'step', 'beat', 'tab', 'record'];
  var MIN = 240, MAX = 20000;
  var frames = [];

  function frameFor(el) {
    if (el.tagName === 'IFRAME') return el;
    var q = new URLSearchParams();
    PARAMS.forEach(function (p) { var v = el.getAttribute('data-' + p); if (v !== null && v !== '') q.set(p, v); });
    q.set('embed', '1');
    var f = document.createElement('iframe');
    f.src = new URL('?' + q.toString(), base).href;
    f.title = el.getAttribute('data-title') || 'TLS 1.3 handshake, byte by byte';
    f.loading = 'lazy';
    f.setAttribute('data-tls-handshake', '');
    f.style.cssText = 'display:block;width:100%;border:0;height:760px;';
    el.replaceWith(f);
    return f;
  }

  function upgrade() {
    var found = document.querySelectorAll('[data-tls-handshake]');
    for (var i = 0; i < found.length; i++) {
      var el = found[i];
      if (el.__tlsHandshake) continue;
      var f = frameFor(el);
      f.__tlsHandshake = true;
      var origin;
      try { origin = new URL(f.src, location.href).origin; } catch (e) { continue; }
      frames.push({ frame: f, origin: origin });
    }
  }

  addEventListener('message', function (e) {
    var d = e.data;
    if (!d || typeof d !== 'object' || d.type !== 'tls-handshake:height') return;
    if (typeof d.height !== 'number' || !isFinite(d.height)) return;
    for (var i = 0; i < frames.length; i++) {
      var f = frames[i];
      if (e.source === f.frame.contentWindow && e.origin === f.origin) {
        f.frame.style.height = Math.round(Math.min(MAX, Math.max(MIN, d.height))) + 'px';
        return;
      }
    }
  });

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', upgrade);
  else upgrade();
})();
