// The sluice job server's dashboard: polls GET /stats, keeps the last two minutes, draws four canvas charts.
// No libraries, no network beyond this server.
(function () {
  'use strict';
  var KEEP = 240;
  var samples = [];
  var lastSeq = 0;
  var sampleMs = 500;
  var css = getComputedStyle(document.documentElement);
  function color(name) { return css.getPropertyValue('--' + name).trim(); }

  function $(id) { return document.getElementById(id); }
  function fmt(v, digits) {
    if (v === null || v === undefined || isNaN(v)) { return '\u2013'; }
    if (v >= 1000) { return Math.round(v).toLocaleString('en-US'); }
    return v.toFixed(digits);
  }
  function set(id, text) { var e = $(id); if (e && e.textContent !== text) { e.textContent = text; } }

  var charts = [
    { id: 'chart-rates', series: [
        { key: 'admittedPerSec', color: 'admitted' }, { key: 'rejected429PerSec', color: 'r429' },
        { key: 'rejected503PerSec', color: 'r503' }] },
    { id: 'chart-latency', series: [{ key: 'p50Millis', color: 'p50' }, { key: 'p99Millis', color: 'p99' }] },
    { id: 'chart-queue', series: [
        { key: 'queueCapacity', color: 'capacity', dashed: true, skipNegative: true },
        { key: 'queueDepth', color: 'depth', fill: true }, { key: 'inFlight', color: 'inflight' }] },
    { id: 'chart-limit', series: [
        { key: 'limit', color: 'limit', dashed: true, skipNegative: true },
        { key: 'requestsInFlight', color: 'inflight', skipNegative: true }, { key: 'running', color: 'running' }] }
  ];

  function niceMax(v) {
    if (v <= 0) { return 1; }
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var m = v / p;
    var n = m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10;
    return n * p;
  }

  function draw(chart) {
    var canvas = $(chart.id);
    var dpr = window.devicePixelRatio || 1;
    var w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    var g = canvas.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    var left = 46, right = 8, top = 8, bottom = 22;
    var pw = w - left - right, ph = h - top - bottom;
    var max = 0, points = 0;
    samples.forEach(function (s) {
      chart.series.forEach(function (se) {
        var v = s[se.key];
        if (v !== null && v !== undefined && !(se.skipNegative && v < 0)) { max = Math.max(max, v); }
      });
    });
    max = niceMax(max * 1.1);
    g.font = '11px sans-serif';
    g.fillStyle = '#6b7685';
    g.strokeStyle = '#eef1f5';
    g.lineWidth = 1;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (var i = 0; i <= 4; i++) {
      var y = top + ph - ph * i / 4;
      g.beginPath(); g.moveTo(left, Math.round(y) + 0.5); g.lineTo(left + pw, Math.round(y) + 0.5); g.stroke();
      var tick = max * i / 4;
      g.fillText(fmt(tick, tick % 1 === 0 ? 0 : 1), left - 6, y);
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    var span = KEEP * sampleMs / 1000;
    for (var t = 0; t <= span; t += 30) {
      var x = left + pw - pw * t / span;
      g.textAlign = t === 0 ? 'right' : 'center';
      g.fillText(t === 0 ? 'now' : '-' + t + 's', x, top + ph + 6);
    }
    var n = samples.length;
    function xAt(i) { return left + pw - pw * (n - 1 - i) / (KEEP - 1); }
    function yAt(v) { return top + ph - ph * Math.min(v, max) / max; }
    // Reference lines (capacity, limit) last, so a saturated series does not hide them.
    var order = chart.series.filter(function (se) { return !se.dashed; })
        .concat(chart.series.filter(function (se) { return se.dashed; }));
    order.forEach(function (se) {
      g.strokeStyle = color(se.color);
      g.lineWidth = se.dashed ? 1.5 : 2;
      g.setLineDash(se.dashed ? [5, 4] : []);
      g.beginPath();
      var drawing = false, first = -1, lastX = 0;
      for (var i = 0; i < n; i++) {
        var v = samples[i][se.key];
        if (v === null || v === undefined || (se.skipNegative && v < 0)) { drawing = false; continue; }
        var x = xAt(i), y = yAt(v);
        if (!drawing) { g.moveTo(x, y); drawing = true; if (first < 0) { first = x; } } else { g.lineTo(x, y); }
        lastX = x;
        points++;
      }
      g.stroke();
      if (se.fill && first >= 0) {
        g.lineTo(lastX, top + ph); g.lineTo(first, top + ph); g.closePath();
        g.globalAlpha = 0.12; g.fillStyle = color(se.color); g.fill(); g.globalAlpha = 1;
      }
    });
    g.setLineDash([]);
    canvas.setAttribute('data-points', String(points));
  }

  function render(body) {
    var last = samples.length ? samples[samples.length - 1] : null;
    var st = body.settings;
    sampleMs = st.sampleMillis || 500;
    set('sample-ms', String(sampleMs));
    var mode = $('mode');
    set('mode', st.mode === 'naive' ? 'naive: no backpressure' : 'bounded');
    mode.className = 'pill ' + (st.mode === 'naive' ? 'naive' : 'ok');
    var state = $('server-state');
    set('server-state', body.state);
    state.className = 'pill ' + (body.state === 'serving' ? 'ok' : 'draining');
    set('settings', 'workers ' + st.workers + ' \u00b7 queue ' + (st.queue < 0 ? '\u221e' : st.queue) + ' \u00b7 wait '
        + (st.waitMillis === null ? 'off' : st.waitMillis + 'ms') + ' \u00b7 rate ' + st.rate + ' \u00b7 per client ' + st.perClient
        + (st.adaptive ? ' \u00b7 adaptive' : ''));
    var tt = body.totals;
    set('total-admitted', tt.admitted.toLocaleString('en-US'));
    set('total-429', tt.rejected429.toLocaleString('en-US'));
    set('total-503', tt.rejected503.toLocaleString('en-US'));
    set('total-completed', tt.completed.toLocaleString('en-US'));
    if (last) {
      set('admitted-per-sec', fmt(last.admittedPerSec, 1));
      set('rejected429-per-sec', fmt(last.rejected429PerSec, 1));
      set('rejected503-per-sec', fmt(last.rejected503PerSec, 1));
      set('queue-depth', String(last.queueDepth));
      set('queue-capacity', last.queueCapacity < 0 ? '\u221e' : String(last.queueCapacity));
      set('in-flight', String(last.inFlight));
      set('running', String(last.running));
      set('latency-p50', fmt(last.p50Millis, 1));
      set('latency-p99', fmt(last.p99Millis, 1));
      set('limit', last.limit < 0 ? 'none' : String(last.limit));
      set('heap-mb', fmt(last.heapMb, 0));
    }
    charts.forEach(draw);
    set('last-update', 'Last sample ' + new Date().toLocaleTimeString('en-GB') + '.');
  }

  function poll() {
    fetch('/stats?since=' + lastSeq, { cache: 'no-store' })
      .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.json(); })
      .then(function (body) {
        body.samples.forEach(function (s) { samples.push(s); lastSeq = s.seq; });
        if (samples.length > KEEP) { samples.splice(0, samples.length - KEEP); }
        render(body);
      })
      .catch(function () {
        var state = $('server-state');
        set('server-state', 'unreachable');
        state.className = 'pill down';
      })
      .then(function () { setTimeout(poll, sampleMs); });
  }
  window.addEventListener('resize', function () { charts.forEach(draw); });
  poll();
}());
