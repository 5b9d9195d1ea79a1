// The results page's behaviour: a cell's details on click (or from the
// URL's #cell=N, so a cell can be linked to) — with its tests, for a test
// case — and filtering by case and outcome. Every text that came from a
// run is inserted with textContent, never as markup: a case may print
// anything.
(function () {
  'use strict';
  var cells = JSON.parse(document.getElementById('cell-data').textContent);
  var grid = document.getElementById('grid');
  var panel = document.getElementById('details');
  var heading = document.getElementById('details-h');
  var body = document.getElementById('details-body');
  var current = -1;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function section(title, note) {
    var s = el('section', 'd-sec');
    var h = el('h3', null, title);
    if (note) h.appendChild(el('span', 'note', ' ' + note));
    s.appendChild(h);
    body.appendChild(s);
    return s;
  }

  function block(parent, text, cls) {
    var p = el('pre', cls, text);
    p.tabIndex = 0; // scrollable with the keyboard
    parent.appendChild(p);
    return p;
  }

  function output(title, o) {
    if (!o || (!o.head && !o.tail)) return;
    var note = '(' + o.bytes + ' bytes' + (o.truncated ? ', truncated: head and tail kept' : '') + ')';
    var s = section(title, note);
    if (o.head) block(s, o.head);
    if (o.tail) {
      s.appendChild(el('p', 'cut', '… tail …'));
      block(s, o.tail);
    }
  }

  // ms formats a run's milliseconds as the Go side's FormatMS does.
  function ms(v) {
    if (v === undefined || v === null) return '';
    if (v < 10) return v.toFixed(1) + ' ms';
    if (v < 10000) return v.toFixed(0) + ' ms';
    return (v / 1000).toFixed(1) + ' s';
  }

  // tests lists the cell's tests, those that failed or did not end
  // first, each with its outcome, time and output; focus names the test
  // whose square was clicked, to scroll to.
  var testClass = { pass: 't-pass', fail: 't-fail', skip: 't-skip', running: 't-running' };
  function bad(t) { return t.outcome === 'fail' || t.outcome === 'running' ? 0 : 1; }
  function tests(c, focus) {
    if (!c.tests || !c.tests.length) return null;
    var counts = {};
    c.tests.forEach(function (t) { counts[t.outcome] = (counts[t.outcome] || 0) + 1; });
    var note = ['fail', 'running', 'pass', 'skip'].filter(function (k) { return counts[k]; })
      .map(function (k) { return counts[k] + ' ' + k; }).join(', ');
    var s = section('Tests', '(' + c.tests.length + ': ' + note + '; those that failed or did not end first)');
    var order = c.tests.map(function (t, n) { return { t: t, n: n }; });
    order.sort(function (a, b) { return bad(a.t) - bad(b.t) || a.n - b.n; });
    var ul = el('ul', 'tests');
    var focused = null;
    order.forEach(function (x) {
      var t = x.t;
      var li = el('li');
      li.appendChild(el('span', 'tbadge ' + (testClass[t.outcome] || ''), t.outcome));
      li.appendChild(el('code', null, t.name));
      if (t.elapsed_ms) li.appendChild(el('span', 'note', ' ' + ms(t.elapsed_ms)));
      if (t.output) block(li, t.output);
      if (focus && t.name === focus && !focused) focused = li;
      ul.appendChild(li);
    });
    s.appendChild(ul);
    return focused;
  }

  function cellLink(i) {
    return grid.querySelector('a.cell[data-i="' + i + '"]');
  }

  function show(i, test) {
    var c = cells[i];
    if (!c) return;
    current = i;
    var t = c.text || {};
    heading.textContent = c.id;
    body.textContent = '';

    var badge = el('p', 'badge o-' + c.outcome, c.outcome);
    if (t.label && t.label !== c.outcome) badge.appendChild(el('span', null, ' · ' + t.label));
    body.appendChild(badge);

    var dl = el('dl');
    function row(k, v) {
      if (v === undefined || v === null || v === '') return;
      dl.appendChild(el('dt', null, k));
      dl.appendChild(el('dd', null, v));
    }
    row('reason', c.reason);
    if (c.runs > 1) row('runs', c.runs + (t.counts ? ' (' + t.counts + ')' : ''));
    if (c.flaky) row('flaky', 'the runs disagreed; the outcome is the majority');
    if (c.exit_code !== undefined) row('exit code', c.exit_code);
    row('signal', c.signal);
    row('duration', t.duration);
    row('time to completion', t.complete);
    row('time the program reported', t.self);
    row('timing error', c.timing_error);
    row('settings check', c.inert_error);
    row('timeout', t.timeout);
    row('build time', t.build);
    row('go', c.go ? c.go + ' (versions entry ' + JSON.stringify(c.selector) + ')' : c.selector);
    row('go line', c.go_line);
    row('runtime version', c.runtime_version);
    row('experiments', c.experiments);
    row('toolchain variant', c.variant);
    row('GOMAXPROCS', c.gomaxprocs || 'unset');
    row('GODEBUG', c.godebug || 'unset');
    row('GOEXPERIMENT', c.goexperiment || 'unset');
    if (c.leftovers) row('leftover processes killed', c.leftovers);
    row('fatal error', c.fatal_line);
    if (c.cached) row('cached', 'taken from the result cache of an earlier run, not run again');
    body.appendChild(dl);
    var focused = tests(c, test);

    if (c.timings && c.timings.length) {
      var st = section('Runs', '(in the order they ended)');
      var tb = el('table', 'runs');
      var hr = el('tr');
      ['run', 'outcome', 'duration', 'time to completion', 'reported by the program'].forEach(function (h) { hr.appendChild(el('th', null, h)); });
      tb.appendChild(hr);
      c.timings.forEach(function (r, n) {
        var tr = el('tr');
        [String(n + 1), r.outcome, ms(r.duration_ms), ms(r.complete_ms), ms(r.self_ms)].forEach(function (v) { tr.appendChild(el('td', null, v)); });
        tb.appendChild(tr);
      });
      st.appendChild(tb);
    }
    if (c.inert && c.inert.length) {
      var si = section('† Settings that did not take effect', '(the cell ran as if they were unset)');
      var ul = el('ul');
      c.inert.forEach(function (s) { ul.appendChild(el('li', null, s)); });
      si.appendChild(ul);
    }
    if (c.claims && c.claims.length) {
      var sc = section('Claims');
      var ulc = el('ul', 'claims-of');
      c.claims.forEach(function (r) {
        var li = el('li', r.role === 'contradicting' ? 'contra' : null);
        var a = el('a', null, r.id);
        a.href = '#claim-' + r.id;
        li.appendChild(a);
        li.appendChild(document.createTextNode(' ' + r.role + ' (expected ' + r.expect + ')' + (r.detail ? ': ' + r.detail : '')));
        ulc.appendChild(li);
      });
      sc.appendChild(ulc);
    }
    if (c.reproduce) {
      var sr = section('Reproduce');
      var pr = block(sr, c.reproduce, 'repro');
      if (navigator.clipboard) {
        var b = el('button', 'copy', 'copy');
        b.type = 'button';
        b.addEventListener('click', function () {
          navigator.clipboard.writeText(c.reproduce).then(function () { b.textContent = 'copied'; }, function () { b.textContent = 'select and copy by hand'; });
        });
        sr.insertBefore(b, pr);
      }
    }
    output('stdout', c.stdout);
    output('stderr', c.stderr);
    if (c.goroutine_dump) block(section('Goroutine dump', '(printed on SIGQUIT at the timeout)'), c.goroutine_dump);
    if (c.build_output) block(section('Build output'), c.build_output);

    var prev = grid.querySelector('a.cell.selected');
    if (prev) prev.classList.remove('selected');
    var link = cellLink(i);
    if (link) link.classList.add('selected');
    panel.hidden = false;
    document.body.classList.add('has-details');
    panel.scrollTop = 0;
    panel.focus({ preventScroll: true });
    if (focused) {
      focused.classList.add('focus');
      focused.scrollIntoView({ block: 'nearest' });
    }
  }

  function hide() {
    var link = cellLink(current);
    panel.hidden = true;
    document.body.classList.remove('has-details');
    if (link) {
      link.classList.remove('selected');
      link.focus({ preventScroll: true });
    }
    current = -1;
    if (/^#cell=/.test(location.hash)) {
      try {
        history.replaceState(null, '', location.href.split('#')[0]);
      } catch (e) {
        // Some browsers refuse it on file:// URLs; the hash then stays.
      }
    }
  }

  function fromHash() {
    var m = /^#cell=(\d+)$/.exec(location.hash);
    if (m && (+m[1] !== current || panel.hidden)) show(+m[1]);
  }

  document.addEventListener('click', function (ev) {
    var a = ev.target.closest && ev.target.closest('a[data-i]');
    if (a) show(+a.getAttribute('data-i'), a.getAttribute('data-test')); // the hash follows by the link
  });
  window.addEventListener('hashchange', fromHash);
  document.getElementById('details-close').addEventListener('click', hide);
  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape' && !panel.hidden) hide();
  });

  // Filters: the case hides other cases' rows; an outcome unticked fades
  // its cells, keeping the grid's shape.
  var form = document.getElementById('filters');
  var fCase = document.getElementById('f-case');
  var status = document.getElementById('f-status');
  form.addEventListener('submit', function (ev) { ev.preventDefault(); });
  function applyFilter() {
    var want = {};
    form.querySelectorAll('input[name=outcome]').forEach(function (b) { want[b.value] = b.checked; });
    var shown = 0;
    var total = 0;
    grid.querySelectorAll('tbody').forEach(function (tb) {
      var caseOK = !fCase.value || tb.getAttribute('data-case') === fCase.value;
      tb.hidden = !caseOK;
      tb.querySelectorAll('a.cell').forEach(function (a) {
        var ok = want[a.getAttribute('data-outcome')] !== false;
        a.classList.toggle('filtered', !ok);
        total++;
        if (ok && caseOK) shown++;
      });
    });
    status.textContent = shown === total ? total + ' cells' : shown + ' of ' + total + ' cells shown';
    document.querySelectorAll('section.tests').forEach(function (s) {
      s.hidden = !!fCase.value && s.getAttribute('data-case') !== fCase.value;
    });
  }
  form.addEventListener('change', applyFilter);
  applyFilter();
  fromHash();
  document.documentElement.setAttribute('data-ready', '1');
})();
