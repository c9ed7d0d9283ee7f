// The lock-graph viewer: draws a part of the graph that #graph-data carries
// (tools/graph_view_data.h) with a small layered layout, and explains what is
// clicked. Every piece of graph text reaches the page through textContent or
// an SVG attribute set by setAttribute, never through markup, so names from
// the graph cannot inject anything.
//
// Data layout: classes[i] = [name, key location, key symbol, usage summary,
// process (index + 1), [[usage bit, trace (index + 1)], ...]]; deps is flat,
// 7 numbers per dependency: from, to, kinds, trace, process, runs, site
// (frame index + 1); traces[t] = [frame indices]; frames[f] = [function,
// file, line]; processes[p] = [program, pid, input file]; cycles[k] = [deps].
(function () {
  'use strict';

  // Above these the page opens on a neighbourhood: a browser lays out and
  // draws a few hundred boxes at once quickly, and more is unreadable anyway.
  const DRAW_ALL_CLASSES = 300;
  const DRAW_ALL_DEPS = 1500;
  // At most this many classes in any one drawing ("whole graph" included).
  const DRAW_LIMIT = 400;

  const D = JSON.parse(document.getElementById('graph-data').textContent);
  const NC = D.classes.length;
  const ND = D.deps.length / 7;
  const from = (e) => D.deps[7 * e];
  const to = (e) => D.deps[7 * e + 1];
  const kinds = (e) => D.deps[7 * e + 2];
  const out = [], into = [];
  for (let c = 0; c < NC; ++c) { out.push([]); into.push([]); }
  for (let e = 0; e < ND; ++e) { out[from(e)].push(e); into[to(e)].push(e); }
  const onCycleDep = new Uint8Array(ND), onCycleClass = new Uint8Array(NC);
  D.cycles.forEach((cycle) => cycle.forEach((e) => {
    onCycleDep[e] = 1; onCycleClass[from(e)] = 1; onCycleClass[to(e)] = 1;
  }));
  const marked = new Uint8Array(NC);
  D.marked.forEach((c) => { marked[c] = 1; });

  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  function svg(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  const name = (c) => D.classes[c][0];
  function frameText(f) {
    const [fn, file, line] = D.frames[f];
    return (fn || '?') + (file ? ' (' + file + ':' + line + ')' : '');
  }
  function processText(p) {
    if (!p || p > D.processes.length) return 'an unknown run';
    const [program, pid, path] = D.processes[p - 1];
    return (path ? 'file ' + path + ', ' : '') + 'program ' + program + ', pid ' + pid;
  }
  function stackList(trace) {
    if (!trace || trace > D.traces.length) return el('p', 'no stack recorded');
    const ol = el('ol', undefined, 'stack');
    D.traces[trace - 1].forEach((f) => ol.appendChild(el('li', frameText(f), 'frame')));
    return ol;
  }
  const kindCodes = (k) => [[8, 'EN'], [2, 'ER'], [4, 'SN'], [1, 'SR']]
    .filter(([bit]) => k & bit).map(([, code]) => code).join(',') || '-';

  // --- what is drawn --------------------------------------------------------
  const state = { shown: [], centre: new Set(), cycle: -1, selected: null, caption: '' };

  function neighbourhood(centres, depth) {
    const seen = new Set(centres);
    let frontier = centres.slice();
    let cut = false;
    for (let d = 0; d < depth && frontier.length && !cut; ++d) {
      const next = [];
      for (const c of frontier) {
        for (const e of out[c].concat(into[c])) {
          const o = from(e) === c ? to(e) : from(e);
          if (seen.has(o)) continue;
          if (seen.size >= DRAW_LIMIT) { cut = true; break; }
          seen.add(o); next.push(o);
        }
        if (cut) break;
      }
      frontier = next;
    }
    return { classes: Array.from(seen), cut };
  }

  function showAround(centres, depth) {
    const n = neighbourhood(centres, depth);
    state.centre = new Set(centres);
    state.cycle = -1;
    const names = centres.slice(0, 3).map(name).join(', ') + (centres.length > 3 ? ', ...' : '');
    draw(n.classes, null, n.classes.length + ' of ' + NC + ' classes: ' + depth +
         ' step(s) around ' + names + (n.cut ? ' (stopped at ' + DRAW_LIMIT + ' classes)' : ''));
  }

  function showAll() {
    state.centre = new Set(); state.cycle = -1;
    const classes = [];
    for (let c = 0; c < NC && c < DRAW_LIMIT; ++c) classes.push(c);
    draw(classes, null, NC > DRAW_LIMIT
      ? 'the first ' + DRAW_LIMIT + ' of ' + NC + ' classes'
      : 'all ' + NC + ' classes');
  }

  function showCycles() {
    const set = new Set();
    D.cycles.forEach((cycle) => cycle.forEach((e) => { if (set.size < DRAW_LIMIT) set.add(from(e)); }));
    state.centre = new Set(); state.cycle = -1;
    draw(Array.from(set), (e) => onCycleDep[e], set.size + ' classes on ' + D.cycles.length + ' cycle(s)');
  }

  function showCycle(k) {
    const classes = D.cycles[k].map(from);
    state.centre = new Set(); state.cycle = k;
    const edges = new Set(D.cycles[k]);
    draw(classes, (e) => edges.has(e) || onCycleDep[e], 'cycle ' + (k + 1) + ': ' + classes.length + ' classes');
  }

  // --- layout: layers by longest path after dropping back edges ---------------
  function layout(nodes, edges) {
    const local = new Map(nodes.map((c, i) => [c, i]));
    const n = nodes.length;
    const succ = nodes.map(() => []), pred = nodes.map(() => []);
    edges.forEach((e) => { succ[local.get(from(e))].push(local.get(to(e))); });
    // Iterative depth-first search; edges into the stack are back edges.
    const colour = new Uint8Array(n), back = new Set();
    for (let s = 0; s < n; ++s) {
      if (colour[s]) continue;
      const stack = [[s, 0]]; colour[s] = 1;
      while (stack.length) {
        const top = stack[stack.length - 1];
        if (top[1] < succ[top[0]].length) {
          const v = succ[top[0]][top[1]++];
          if (colour[v] === 1) back.add(top[0] * n + v);
          else if (!colour[v]) { colour[v] = 1; stack.push([v, 0]); }
        } else { colour[top[0]] = 2; stack.pop(); }
      }
    }
    const fwd = nodes.map(() => []);
    const indeg = new Int32Array(n);
    succ.forEach((vs, u) => vs.forEach((v) => {
      if (u !== v && !back.has(u * n + v)) { fwd[u].push(v); pred[v].push(u); ++indeg[v]; }
    }));
    const rank = new Int32Array(n), queue = [];
    for (let u = 0; u < n; ++u) if (!indeg[u]) queue.push(u);
    for (let q = 0; q < queue.length; ++q) {
      const u = queue[q];
      for (const v of fwd[u]) {
        rank[v] = Math.max(rank[v], rank[u] + 1);
        if (--indeg[v] === 0) queue.push(v);
      }
    }
    const layers = [];
    for (let u = 0; u < n; ++u) (layers[rank[u]] = layers[rank[u]] || []).push(u);
    const pos = new Float64Array(n);
    layers.forEach((l) => l.forEach((u, i) => { pos[u] = i; }));
    // Barycentre sweeps, down then up, to untangle the layers a little.
    for (let sweep = 0; sweep < 4; ++sweep) {
      const down = sweep % 2 === 0;
      const order = down ? layers : layers.slice().reverse();
      order.forEach((l) => {
        const bary = new Map(l.map((u) => {
          const ns = down ? pred[u] : fwd[u];
          return [u, ns.length ? ns.reduce((a, v) => a + pos[v], 0) / ns.length : pos[u]];
        }));
        l.sort((a, b) => bary.get(a) - bary.get(b));
        l.forEach((u, i) => { pos[u] = i; });
      });
    }
    const width = (c) => Math.min(48, Math.max(name(c).length, 8)) * 6.7 + 16;
    const box = new Array(n);
    let x = 20;
    layers.forEach((l) => {
      const w = Math.max(...l.map((u) => width(nodes[u])));
      l.forEach((u, i) => { box[u] = { x, y: 20 + i * 54, w: width(nodes[u]), h: 34 }; });
      x += w + 90;
    });
    return { local, box, back };
  }

  // --- drawing ---------------------------------------------------------------
  const viewport = $('viewport');
  const graphSvg = $('graph');

  function draw(classes, keepEdge, caption) {
    const inView = new Set(classes);
    const edges = [];
    for (const c of classes) {
      for (const e of out[c]) if (inView.has(to(e)) && (!keepEdge || keepEdge(e))) edges.push(e);
    }
    state.shown = classes;
    state.caption = caption;
    $('view-caption').textContent = 'Showing ' + caption + ', ' + edges.length + ' dependencies.';
    viewport.textContent = '';
    const { local, box } = layout(classes, edges);
    const edgeLayer = svg('g', {}), nodeLayer = svg('g', {});
    viewport.appendChild(edgeLayer); viewport.appendChild(nodeLayer);
    for (const e of edges) {
      const a = box[local.get(from(e))], b = box[local.get(to(e))];
      let d, lx, ly;
      if (b.x > a.x) {
        const x1 = a.x + a.w, y1 = a.y + a.h / 2, x2 = b.x, y2 = b.y + b.h / 2, dx = (x2 - x1) / 2;
        d = `M${x1} ${y1} C${x1 + dx} ${y1} ${x2 - dx} ${y2} ${x2} ${y2}`;
        lx = (x1 + x2) / 2; ly = (y1 + y2) / 2 - 3;
      } else {  // backwards or within a layer: an arc below both boxes
        const x1 = a.x + a.w / 2, y1 = a.y + a.h, x2 = b.x + b.w / 2, y2 = b.y + b.h;
        const dip = Math.max(y1, y2) + 30 + Math.abs(x1 - x2) / 6;
        d = `M${x1} ${y1} C${x1} ${dip} ${x2} ${dip} ${x2} ${y2}`;
        lx = (x1 + x2) / 2; ly = dip - 8;
      }
      const cls = (onCycleDep[e] ? ' on-cycle' : '') + (kinds(e) & 8 ? '' : ' read') +
                  (isSelected('dep', e) ? ' selected' : '');
      const marker = isSelected('dep', e) ? 'arrow-selected' : onCycleDep[e] ? 'arrow-cycle' : 'arrow';
      const g = svg('g', { 'class': 'dep', 'data-dep': e });
      g.appendChild(svg('path', { 'class': 'dep-line' + cls, d, 'marker-end': `url(#${marker})` }));
      g.appendChild(svg('path', { 'class': 'dep-hit', d }));
      const label = svg('text', { 'class': 'dep-label' + cls, x: lx, y: ly, 'text-anchor': 'middle' });
      label.textContent = kindCodes(kinds(e));
      g.appendChild(label);
      const title = svg('title', {});
      title.textContent = name(from(e)) + ' \u2192 ' + name(to(e)) + ': ' + D.kindWords[kinds(e) & 15];
      g.appendChild(title);
      g.addEventListener('click', (ev) => { ev.stopPropagation(); select('dep', e); });
      edgeLayer.appendChild(g);
    }
    classes.forEach((c, i) => {
      const b = box[i];
      const hidden = out[c].concat(into[c]).some((e) => !inView.has(from(e)) || !inView.has(to(e)));
      const cls = 'class-node' + (onCycleClass[c] ? ' on-cycle' : '') + (marked[c] ? ' marked' : '') +
                  (state.centre.has(c) ? ' centre' : '') + (hidden ? ' more' : '') +
                  (isSelected('class', c) ? ' selected' : '');
      const g = svg('g', { 'class': cls, 'data-class': c, transform: `translate(${b.x},${b.y})` });
      g.appendChild(svg('rect', { width: b.w, height: b.h, rx: 4 }));
      const full = name(c);
      const t = svg('text', { 'class': 'name', x: 8, y: 14 });
      t.textContent = full.length > 48 ? full.slice(0, 47) + '\u2026' : full;
      g.appendChild(t);
      const u = svg('text', { 'class': 'usage', x: 8, y: 28 });
      u.textContent = D.classes[c][3];
      g.appendChild(u);
      const title = svg('title', {});
      title.textContent = full + ' [' + D.classes[c][1] + ']';
      g.appendChild(title);
      g.addEventListener('click', (ev) => { ev.stopPropagation(); select('class', c); });
      g.addEventListener('dblclick', (ev) => { ev.stopPropagation(); showAround([c], depth()); });
      nodeLayer.appendChild(g);
    });
    fit();
  }

  // --- pan and zoom ------------------------------------------------------------
  let view = { x: 0, y: 0, w: 1000, h: 800 };
  function setView() { graphSvg.setAttribute('viewBox', `${view.x} ${view.y} ${view.w} ${view.h}`); }
  function fit() {
    const b = viewport.getBBox();
    const r = graphSvg.getBoundingClientRect();
    const aspect = (r.height || 800) / (r.width || 1000);
    // Never zoomed in beyond about 1:1, so a small graph keeps readable text.
    let w = Math.max(b.width + 40, r.width || 900), h = Math.max(b.height + 60, 300);
    if (h / w > aspect) w = h / aspect; else h = w * aspect;
    view = { x: b.x - 20, y: b.y - 40, w, h };
    setView();
  }
  graphSvg.addEventListener('wheel', (ev) => {
    ev.preventDefault();
    const r = graphSvg.getBoundingClientRect();
    const k = ev.deltaY > 0 ? 1.15 : 1 / 1.15;
    const px = view.x + (ev.clientX - r.left) / r.width * view.w;
    const py = view.y + (ev.clientY - r.top) / r.height * view.h;
    view = { x: px - (px - view.x) * k, y: py - (py - view.y) * k, w: view.w * k, h: view.h * k };
    setView();
  }, { passive: false });
  let drag = null;
  graphSvg.addEventListener('mousedown', (ev) => { drag = { x: ev.clientX, y: ev.clientY, view }; });
  window.addEventListener('mouseup', () => { drag = null; });
  window.addEventListener('mousemove', (ev) => {
    if (!drag) return;
    const r = graphSvg.getBoundingClientRect();
    view = Object.assign({}, drag.view, {
      x: drag.view.x - (ev.clientX - drag.x) / r.width * view.w,
      y: drag.view.y - (ev.clientY - drag.y) / r.height * view.h });
    setView();
  });

  // --- details -----------------------------------------------------------------
  function isSelected(type, i) { return state.selected && state.selected.type === type && state.selected.i === i; }

  function select(type, i) {
    state.selected = { type, i };
    document.querySelectorAll('#graph .selected').forEach((e) => e.classList.remove('selected'));
    if (type === 'class') {
      const g = document.querySelector(`#graph .class-node[data-class="${i}"]`);
      if (g) g.classList.add('selected');
      showClass(i);
    } else {
      const g = document.querySelector(`#graph .dep[data-dep="${i}"]`);
      if (g) g.querySelectorAll('.dep-line, .dep-label').forEach((x) => x.classList.add('selected'));
      if (g) g.querySelector('.dep-line').setAttribute('marker-end', 'url(#arrow-selected)');
      showDep(i);
    }
  }

  function depLink(e, text) {
    const li = el('li', text, 'dep-link');
    li.addEventListener('click', () => {
      if (!state.shown.includes(from(e)) || !state.shown.includes(to(e))) showAround([from(e), to(e)], 0);
      select('dep', e);
    });
    return li;
  }

  function showClass(c) {
    const [cname, key, symbol, usage, process, bits] = D.classes[c];
    const box = $('details');
    box.textContent = '';
    box.appendChild(el('h3', cname, 'class-name'));
    box.appendChild(el('p', 'Defined at ' + key + (symbol && symbol !== key ? ' (' + symbol + ')' : '') +
                             '; first seen in ' + processText(process) + '.', 'class-key'));
    if (onCycleClass[c]) box.appendChild(el('p', 'On a deadlock cycle.'));
    box.appendChild(el('p', 'Usage ' + usage + (bits.length ? ':' : ': none recorded.'), 'class-usage'));
    const ul = el('ul');
    bits.forEach(([bit, trace]) => {
      const li = el('li', (D.usageWords[bit] || 'usage bit ' + bit) + (trace ? '; first here:' : ''), 'usage-bit');
      if (trace) li.appendChild(stackList(trace));
      ul.appendChild(li);
    });
    box.appendChild(ul);
    const list = (title, edges, other) => {
      box.appendChild(el('p', title + ' (' + edges.length + ')' + (edges.length ? ':' : '')));
      const l = el('ul');
      edges.slice(0, 100).forEach((e) => l.appendChild(depLink(e, other(e) + ': ' + D.kindWords[kinds(e) & 15])));
      if (edges.length > 100) l.appendChild(el('li', '... and ' + (edges.length - 100) + ' more'));
      box.appendChild(l);
    };
    list('Taken while it was held', out[c], (e) => '\u2192 ' + name(to(e)));
    list('Held while it was taken', into[c], (e) => '\u2190 ' + name(from(e)));
  }

  function showDep(e) {
    const [f, t, k, trace, process, runs, site] = D.deps.slice(7 * e, 7 * e + 7);
    const box = $('details');
    box.textContent = '';
    box.appendChild(el('h3', name(f) + ' \u2192 ' + name(t), 'dep-name'));
    box.appendChild(el('p', name(f) + ' held while taking ' + name(t) + ': ' + D.kindWords[k & 15] + '.', 'dep-kind'));
    if (onCycleDep[e]) box.appendChild(el('p', 'On a deadlock cycle.'));
    if (site) box.appendChild(el('p', 'Taken at ' + frameText(site - 1) + '.'));
    box.appendChild(el('p', 'Seen in ' + processText(process) +
                            (runs > 1 ? ', and in ' + (runs - 1) + ' more run(s)' : '') + '.', 'dep-run'));
    box.appendChild(el('p', 'The stack that made it:'));
    box.appendChild(stackList(trace));
  }

  // --- side panel ----------------------------------------------------------------
  const depth = () => Math.max(0, Math.min(9, parseInt($('depth').value, 10) || 0));

  function fillMatches() {
    const q = $('search').value.toLowerCase();
    const ul = $('matches');
    ul.textContent = '';
    if (!q) return [];
    const found = [];
    for (let c = 0; c < NC && found.length < 50; ++c) if (name(c).toLowerCase().includes(q)) found.push(c);
    found.forEach((c) => {
      const li = el('li', name(c), 'match');
      li.addEventListener('click', () => { showAround([c], depth()); select('class', c); });
      ul.appendChild(li);
    });
    if (!found.length) ul.appendChild(el('li', 'no class matches', 'no-match'));
    return found;
  }
  $('search').addEventListener('input', fillMatches);
  $('search').addEventListener('keydown', (ev) => {
    if (ev.key !== 'Enter') return;
    const found = fillMatches();
    if (!found.length) return;
    const exact = found.find((c) => name(c) === $('search').value);
    const c = exact !== undefined ? exact : found[0];
    showAround([c], depth());
    select('class', c);
  });
  $('depth').addEventListener('change', () => {
    if (state.centre.size) showAround(Array.from(state.centre), depth());
  });
  $('show-all').addEventListener('click', showAll);
  $('show-cycles').addEventListener('click', showCycles);
  $('show-cycles').disabled = D.cycles.length === 0;
  $('fit').addEventListener('click', fit);

  D.cycles.forEach((cycle, k) => {
    const names = cycle.map((e) => name(from(e)));
    names.push(names[0]);
    const li = el('li', 'cycle ' + (k + 1) + ': ' + names.join(' \u2192 '), 'cycle');
    li.dataset.cycle = k;
    li.addEventListener('click', () => {
      document.querySelectorAll('#cycles li').forEach((x) => x.classList.remove('active'));
      li.classList.add('active');
      showCycle(k);
    });
    $('cycles').appendChild(li);
  });
  if (!D.cycles.length) $('cycles').appendChild(el('li', 'none: no order of these locks can deadlock', 'no-cycle'));
  if (D.truncated) $('cycles').appendChild(el('li', 'more cycles exist: raise --max-cycles', 'no-cycle'));

  document.title = (D.title || 'lock graph') + ' \u2014 lock graph';
  $('title').textContent = D.title || 'lock graph';
  $('class-count').textContent = NC;
  $('dep-count').textContent = ND;
  $('cycle-count').textContent = D.cycles.length + (D.truncated ? '+' : '');
  $('depth').value = D.depth;

  const big = NC > DRAW_ALL_CLASSES || ND > DRAW_ALL_DEPS;
  if (big) {
    $('notice').textContent = 'This graph is larger than the ' + DRAW_ALL_CLASSES + ' classes or ' +
      DRAW_ALL_DEPS + ' dependencies drawn at once, so it opens on a neighbourhood: search a class, ' +
      'or pick a cycle.';
  }
  const aroundClass = D.around ? D.classes.findIndex((c) => c[0] === D.around) : -1;
  if (aroundClass >= 0) {
    showAround([aroundClass], D.depth);
  } else if (!big) {
    showAll();
  } else if (D.cycles.length) {
    showCycles();
  } else if (NC) {
    let hub = 0;
    for (let c = 1; c < NC; ++c) if (out[c].length + into[c].length > out[hub].length + into[hub].length) hub = c;
    showAround([hub], 1);
  } else {
    draw([], null, 'no classes');
  }
  if (!NC) $('view-caption').textContent = 'This graph has no lock classes.';
  window.lockgraphLoadMs = performance.now();
  document.body.dataset.ready = '1';
})();
