namespace Notebooks.Weights.Explorer;

/// <summary>The explorer's stylesheet and script (small, written beside the pages).</summary>
public static class ExplorerResources
{
    /// <summary><see cref="ExplorerPaths.Style"/>: a quiet Distill-like page.</summary>
    public const string Css = """
:root { --ink:#1a1a1a; --muted:#6b6b6b; --rule:#e4e4e4; --accent:#2f6fb0; --card:#fafafa; }
* { box-sizing: border-box; }
body { margin:0 auto; max-width:1120px; padding:18px 28px 40px; color:var(--ink); background:#fff;
       font:15px/1.55 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
a { color:var(--accent); text-decoration:none; } a:hover { text-decoration:underline; }
h1 { font:600 30px/1.2 Georgia, "Times New Roman", serif; margin:6px 0 10px; }
h1 .colon { color:var(--muted); margin:0 2px; }
h2 { font:600 17px/1.3 Georgia, serif; margin:28px 0 10px; padding-top:12px; border-top:1px solid var(--rule); }
.sub { font:400 13px/1.4 -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color:var(--muted); margin-left:6px; }
.lede { color:#333; max-width:760px; }
code { font-size:13px; background:#f3f3f3; padding:1px 4px; border-radius:3px; }
nav.crumbs { font-size:13px; color:var(--muted); } nav.crumbs .sep { margin:0 7px; color:#bbb; }
nav.pager { display:flex; gap:18px; align-items:baseline; font-size:13px; margin:8px 0 4px; padding-bottom:8px; border-bottom:1px solid var(--rule); }
nav.pager .off { color:#bbb; } nav.pager .keys { margin-left:auto; color:#aaa; font-size:12px; }
img { image-rendering:pixelated; background:#eee; vertical-align:top; }
img.fv, img.fv-large { image-rendering:auto; }
table.layers { border-collapse:collapse; width:100%; font-size:14px; margin-top:14px; }
table.layers th { text-align:left; font-weight:600; font-size:12px; color:var(--muted); border-bottom:1px solid #ccc; padding:6px 8px; }
table.layers td { border-bottom:1px solid var(--rule); padding:6px 8px; vertical-align:middle; }
td.num { font-variant-numeric:tabular-nums; white-space:nowrap; }
img.thumb { height:48px; width:auto; max-width:300px; object-fit:contain; background:none; }
.figures { display:flex; gap:28px; flex-wrap:wrap; align-items:flex-start; }
figure { margin:0; } figcaption { font-size:12px; color:var(--muted); max-width:420px; margin-top:4px; }
img.mosaic { width:auto; height:auto; max-width:520px; }
img.hist { width:360px; height:72px; }
.cards { display:flex; flex-wrap:wrap; gap:10px; }
.row { display:flex; gap:10px; overflow-x:auto; padding-bottom:6px; }
.card { display:flex; flex-direction:column; align-items:center; width:98px; padding:4px; border-radius:6px; background:var(--card);
        border:1px solid transparent; color:var(--ink); font-size:12px; }
a.card:hover { border-color:#c9d8ea; text-decoration:none; background:#f2f6fb; }
.card img { width:88px; height:88px; display:block; margin-bottom:3px; }
.card .label { font-weight:600; } .card .norm { color:var(--muted); font-size:11px; font-variant-numeric:tabular-nums; }
section.hero { display:flex; gap:28px; align-items:flex-start; margin-top:14px; }
img.fv-large { width:288px; height:288px; border-radius:4px; box-shadow:0 1px 4px rgba(0,0,0,.18); }
.facts dl { display:grid; grid-template-columns:auto 1fr; gap:3px 14px; font-size:13px; margin:0 0 12px; }
.facts dt { color:var(--muted); } .facts dd { margin:0; }
.nmf { display:flex; gap:12px; } .nmf img.w-med { width:72px; height:72px; } .nmf figcaption { text-align:center; }
.legend { display:flex; gap:6px; align-items:center; font-size:11px; color:var(--muted); margin-top:4px; font-variant-numeric:tabular-nums; }
img.legend-bar { width:140px; height:10px; } .legend .note { margin-left:8px; }
img.allin { width:auto; max-width:100%; }
img.interaction { width:auto; max-width:100%; }
img.spatial { width:auto; max-width:100%; image-rendering:auto; }
p.note { color:var(--muted); font-size:13px; }
footer { margin-top:36px; padding-top:10px; border-top:1px solid var(--rule); font-size:12px; color:#999; }
[data-deferred] .note { color:#999; font-style:italic; }
.card .slot { display:block; width:88px; height:88px; margin-bottom:3px; }
html[data-served] .slot[data-deferred] { background:linear-gradient(90deg,#eee,#f7f7f7,#eee); background-size:200% 100%; animation:shimmer 1.2s infinite linear; }
tr[data-pending] td.banding, tr[data-pending] td.norms { color:#bbb; }
html[data-served] img:not(.loaded) { background:linear-gradient(90deg,#eee,#f7f7f7,#eee); background-size:200% 100%; animation:shimmer 1.2s infinite linear; }
@keyframes shimmer { from { background-position:100% 0; } to { background-position:-100% 0; } }
""";

    /// <summary>
    /// <see cref="ExplorerPaths.Script"/>: ← / → / ↑ follow the page's rel=prev/next/up links. When
    /// served, it first tells the server which pictures the page shows (visible ones first) so they
    /// are rendered in that order, asks for the pictures that cost an optimization
    /// (<c>data-queue-src</c>) at most two at a time (visible ones first), retries a picture that
    /// failed to arrive, and fills in the
    /// index's layer statistics that were not computed yet (<c>api/layer</c>) and the parts of a
    /// unit or layer page that wait for its layer's data (<c>api/unit</c>, <c>api/layer-page</c>;
    /// asked for before the pictures).
    /// </summary>
    public const string Js = """
(function () {
  document.addEventListener('keydown', function (e) {
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    var t = e.target && e.target.tagName; if (t === 'INPUT' || t === 'TEXTAREA') return;
    var rel = { ArrowLeft: 'prev', ArrowRight: 'next', ArrowUp: 'up' }[e.key];
    if (!rel) return;
    var a = document.querySelector('a[rel="' + rel + '"]');
    if (a) { e.preventDefault(); location.href = a.href; }
  });
  document.documentElement.setAttribute('data-keys', 'on'); // the arrow keys work from here on
  if (!document.documentElement.hasAttribute('data-served')) return;
  function all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function visible(i) { var r = i.getBoundingClientRect(); return r.bottom > 0 && r.top < innerHeight; }
  function url(i) { return (i.getAttribute('src') || i.getAttribute('data-queue-src') || '').split('?')[0]; }
  // Tells the server which pictures are shown (visible ones first) and retries a picture that did not arrive yet.
  function announce(imgs) {
    imgs = imgs.filter(function (i) { return url(i) && !(i.complete && i.naturalWidth > 0); });
    var order = imgs.filter(visible).concat(imgs.filter(function (i) { return !visible(i); }));
    var seen = {}, paths = [];
    order.forEach(function (i) { var p = url(i); if (!seen[p]) { seen[p] = 1; paths.push(p); } });
    if (paths.length) fetch('api/queue', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(paths) }).catch(function () {});
  }
  // After scrolling, the pictures now in view go first.
  var scrolled; addEventListener('scroll', function () { clearTimeout(scrolled); scrolled = setTimeout(function () { announce(all('img')); }, 300); }, { passive: true });
  // Pictures that cost an optimization (data-queue-src; the server holds each request while its picture renders) are
  // asked for at most QUEUE_LIMIT at a time, visible ones first, else in page order, so the quick pictures and the
  // api always find one of the browser's 6 connections free. A slot frees when its picture loads or fails.
  var QUEUE_LIMIT = 2, waiting = [], busy = 0, seq = 0;
  function pump() {
    while (busy < QUEUE_LIMIT && waiting.length) {
      var k = 0;
      for (var j = 0; j < waiting.length; j++) if (visible(waiting[j])) { k = j; break; }
      var i = waiting.splice(k, 1)[0], n = +(i.dataset.retry || 0);
      busy++; i.queueBusy = true;
      i.src = url(i) + (n ? '?retry=' + n : '');
    }
  }
  function enqueue(i) {
    if (i.queueSeq === undefined) i.queueSeq = seq++;
    waiting.push(i); waiting.sort(function (a, b) { return a.queueSeq - b.queueSeq; });
  }
  function release(i) { if (i.queueBusy) { i.queueBusy = false; busy--; pump(); } }
  function watch(imgs) {
    announce(imgs);
    imgs.forEach(function (i) {
      var queued = i.hasAttribute('data-queue-src');
      function done() { i.classList.add('loaded'); }
      if (!queued && i.complete && i.naturalWidth > 0) done();
      i.addEventListener('load', function () { done(); release(i); });
      i.addEventListener('error', function () {
        release(i);
        // Not rendered yet (503): asked again, less often as it takes longer (up to 8 s apart, for about half an hour).
        var n = +(i.dataset.retry || 0); if (n >= 240) return;
        i.dataset.retry = n + 1;
        setTimeout(function () {
          if (queued) { enqueue(i); pump(); } else i.src = url(i) + '?retry=' + (n + 1);
        }, Math.min(8000, 1000 * Math.pow(1.5, n)));
      });
      if (queued) enqueue(i);
    });
    pump();
  }
  // A unit or layer page of a layer not prepared yet: the parts that need the layer's data come from the api when ready.
  // Asked for first (before the pictures take the browser's connections). The element with data-src names the URL; each
  // key of its JSON answer fills the [data-deferred=key] placeholders (a list fills them in page order).
  all('[data-deferred][data-src]').forEach(function (src) {
    (function load() {
      fetch(src.getAttribute('data-src'))
        .then(function (x) {
          if (!x.ok) { src.querySelector('.note').textContent = 'The weights could not be computed (' + x.status + ').'; return; }
          return x.json().then(function (j) {
            var imgs = [];
            Object.keys(j).forEach(function (k) {
              all('[data-deferred="' + k + '"]').forEach(function (el, n) {
                var html = Array.isArray(j[k]) ? j[k][n] : j[k];
                if (typeof html !== 'string') return;
                el.innerHTML = html; el.removeAttribute('data-deferred');
                imgs = imgs.concat(all('img', el));
              });
            });
            watch(imgs);
          });
        })
        .catch(function () { setTimeout(load, 2000); });
    })();
  });
  // The index's statistics of layers not prepared yet: asked for one layer at a time (each is computed on first need).
  var pending = all('tr[data-pending]');
  (function fill() {
    var r = pending.shift(); if (!r) return;
    function put(b, n) { r.querySelector('.banding').textContent = b; r.querySelector('.norms').textContent = n; r.removeAttribute('data-pending'); fill(); }
    fetch('api/layer?name=' + encodeURIComponent(r.getAttribute('data-pending')))
      .then(function (x) { return x.ok ? x.json().then(function (j) { put(j.banding, j.norms); }) : put('failed (' + x.status + ')', ''); })
      .catch(function () { setTimeout(function () { pending.unshift(r); fill(); }, 2000); });
  })();
  watch(all('img'));
})();
""";
}
