"""`shoal graph --output-format html`: one self-contained page, no network.

The picture is laid out here, in layers (a module left of what it imports): back edges of
a depth-first search are set aside so the rest is acyclic, each module's layer is the
longest import chain below it, and a few barycentre sweeps order each layer to shorten the
edges. The SVG is written inline, so the page shows the graph even with scripts off; the
small inline script adds zoom (wheel), pan (drag), a search box and highlighting of a
clicked module's edges, and marks ``<body data-shoal-ready="1">`` once it ran (what
``.ci/run`` checks in headless Chromium).
"""
from __future__ import annotations

import html
import json

from analyzer.interfaces._graph_model import Graph

__all__ = ["layout", "to_html"]

CHAR_W = 7.2  # px per character of the 12px monospace labels
ROW_H = 28
GAP_X = 80


def _acyclic(nodes: list[str], succ: dict[str, list[str]]) -> dict[str, list[str]]:
    """``succ`` without the back edges of an iterative depth-first search."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    kept: dict[str, list[str]] = {n: [] for n in nodes}
    for root in nodes:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(succ[root]))]
        while stack:
            node, it = stack[-1]
            for nxt in it:
                if state.get(nxt) == 1:
                    continue  # a back edge: it closes a cycle
                kept[node].append(nxt)
                if nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, iter(succ[nxt])))
                    break
            else:
                state[node] = 2
                stack.pop()
    return kept


def layout(nodes: list[str], edges: list[tuple[str, str]]) -> dict[str, tuple[int, int]]:
    """node -> (layer, position in the layer); layer 0 holds what imports nothing."""
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        succ[a].append(b)
    dag = _acyclic(nodes, succ)
    layer: dict[str, int] = {}
    for root in nodes:  # longest path to a sink, iteratively
        if root in layer:
            continue
        stack = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if node in layer:
                continue
            if expanded:
                layer[node] = 1 + max((layer[s] for s in dag[node]), default=-1)
                continue
            stack.append((node, True))
            stack.extend((s, False) for s in dag[node] if s not in layer)
    layers: dict[int, list[str]] = {}
    for node in nodes:
        layers.setdefault(layer[node], []).append(node)
    pred: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        pred[b].append(a)
    position = {n: i for members in layers.values() for i, n in enumerate(members)}
    for sweep in range(4):  # barycentres, alternating directions
        order = sorted(layers) if sweep % 2 == 0 else sorted(layers, reverse=True)
        for k in order:
            members = layers[k]
            ref = pred if sweep % 2 == 0 else succ

            def centre(n: str, ref: dict[str, list[str]] = ref) -> float:
                near = ref[n]
                return sum(position[m] for m in near) / len(near) if near else position[n]

            members.sort(key=lambda n: (centre(n), n))
            for i, n in enumerate(members):
                position[n] = i
    return {n: (layer[n], position[n]) for n in nodes}


def _svg(graph: Graph) -> tuple[str, int, int]:
    ids = [n.id for n in graph.nodes]
    places = layout(ids, [(e.source, e.target) for e in graph.edges])
    top = max((p[0] for p in places.values()), default=0)
    width_of = {n: len(n) * CHAR_W + 16 for n in ids}
    column: dict[int, float] = {}
    for n, (k, _) in places.items():
        column[k] = max(column.get(k, 0.0), width_of[n])
    x_of: dict[int, float] = {}
    x = 20.0
    for k in range(top, -1, -1):  # importers left, what they import right
        x_of[k] = x
        x += column.get(k, 0.0) + GAP_X
    tallest = max((p[1] for p in places.values()), default=0) + 1
    height = tallest * ROW_H + 40
    width = int(x) + 20
    index = {n: i for i, n in enumerate(ids)}
    parts = []
    for i, e in enumerate(graph.edges):
        (ka, pa), (kb, pb) = places[e.source], places[e.target]
        x1, y1 = x_of[ka] + width_of[e.source], 20 + pa * ROW_H + 10
        x2, y2 = x_of[kb], 20 + pb * ROW_H + 10
        if ka == kb:  # same layer: a loop out to the right
            x2 = x_of[kb] + width_of[e.target]
            bend = max(x1, x2) + 40
            d = f"M{x1:.0f},{y1} C{bend:.0f},{y1} {bend:.0f},{y2} {x2:.0f},{y2}"
        elif x2 <= x1:  # a back edge (closes a cycle): from the left side, bulging below
            x1, x2 = x_of[ka], x_of[kb] + width_of[e.target]
            dip = ROW_H * 0.9
            d = (f"M{x1:.0f},{y1} C{x1 - 60:.0f},{y1 + dip:.0f} {x2 + 60:.0f},{y2 + dip:.0f} "
                 f"{x2:.0f},{y2}")
        else:
            mid = (x1 + x2) / 2
            d = f"M{x1:.0f},{y1} C{mid:.0f},{y1} {mid:.0f},{y2} {x2:.0f},{y2}"
        cls = f"e {e.kind}" + (" cyc" if e.cycle else "")
        parts.append(f'<path id="e{i}" class="{cls}" data-s="{index[e.source]}" '
                     f'data-t="{index[e.target]}" d="{d}"><title>{html.escape(e.source)} → '
                     f'{html.escape(e.target)} ({e.kind}, line {e.line})</title></path>')
    for i, node in enumerate(graph.nodes):
        k, p = places[node.id]
        cls = "n cyc" if node.cycle is not None else "n"
        parts.append(f'<g id="n{i}" class="{cls}" transform="translate({x_of[k]:.0f},'
                     f'{20 + p * ROW_H})"><rect width="{width_of[node.id]:.0f}" height="20" '
                     f'rx="3"/><text x="8" y="14">{html.escape(node.id)}</text><title>'
                     f'{html.escape(node.path)}</title></g>')
    # Arrowheads at the imported end; a local fragment reference, nothing is fetched.
    defs = ('<defs><marker id="arr" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" fill="#888"/></marker>'
            '<marker id="arrc" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
            'markerHeight="6" orient="auto"><path d="M0,0L10,5L0,10z" fill="#d00"/></marker>'
            '</defs>')
    return defs + "".join(parts), width, height


_STYLE = """
body{margin:0;font:13px sans-serif;background:#fafafa;overflow:hidden}
#bar{position:fixed;top:0;left:0;right:0;padding:6px 10px;background:#fff;
border-bottom:1px solid #ccc;z-index:1}
#bar input{width:18em}
svg{position:absolute;top:36px;left:0;width:100%;height:calc(100% - 36px);cursor:grab}
.n rect{fill:#fff;stroke:#555}.n text{font:12px monospace;fill:#222}
.n.cyc rect{stroke:#d00;stroke-width:2}.n.cyc text{fill:#d00}
.n.hit rect{fill:#ffe9a8}.n.sel rect{fill:#cde4ff}
.e{fill:none;stroke:#888;stroke-width:1;marker-end:url(#arr)}.e.deferred{stroke-dasharray:6 4}
.e.type-checking{stroke-dasharray:2 3}.e.cyc{stroke:#d00;stroke-width:2;marker-end:url(#arrc)}
.e.on{stroke:#06c;stroke-width:2.5}.e.dim{opacity:.15}
"""

_SCRIPT = """
(function(){
  var svg=document.getElementById('g');
  var box=svg.viewBox.baseVal;
  var full={x:box.x,y:box.y,w:box.width,h:box.height};
  function scale(){return box.width/svg.clientWidth;}
  svg.addEventListener('wheel',function(ev){
    ev.preventDefault();
    var r=svg.getBoundingClientRect(),f=ev.deltaY>0?1.2:1/1.2;
    var px=box.x+(ev.clientX-r.left)*scale(),py=box.y+(ev.clientY-r.top)*scale();
    box.x=px-(px-box.x)*f;box.y=py-(py-box.y)*f;box.width*=f;box.height*=f;
  },{passive:false});
  var drag=null;
  svg.addEventListener('mousedown',function(ev){drag={x:ev.clientX,y:ev.clientY};});
  window.addEventListener('mouseup',function(){drag=null;});
  window.addEventListener('mousemove',function(ev){
    if(!drag)return;var s=scale();
    box.x-=(ev.clientX-drag.x)*s;box.y-=(ev.clientY-drag.y)*s;
    drag={x:ev.clientX,y:ev.clientY};
  });
  var edges=svg.querySelectorAll('path.e');
  function select(i){
    svg.querySelectorAll('.n.sel').forEach(function(n){n.classList.remove('sel');});
    edges.forEach(function(e){
      var on=i!==null&&(e.dataset.s===String(i)||e.dataset.t===String(i));
      e.classList.toggle('on',on);e.classList.toggle('dim',i!==null&&!on);
    });
    if(i!==null)document.getElementById('n'+i).classList.add('sel');
  }
  svg.querySelectorAll('g.n').forEach(function(g){
    g.addEventListener('click',function(ev){ev.stopPropagation();select(+g.id.slice(1));});
  });
  svg.addEventListener('dblclick',function(){select(null);});
  document.getElementById('q').addEventListener('input',function(ev){
    var q=ev.target.value.trim(),first=null;
    svg.querySelectorAll('g.n').forEach(function(g){
      var hit=q!==''&&g.textContent.indexOf(q)>=0;g.classList.toggle('hit',hit);
      if(hit&&first===null)first=g;
    });
    if(first){var m=first.transform.baseVal.getItem(0).matrix;
      box.x=m.e-box.width/2;box.y=m.f-box.height/2;}
  });
  document.getElementById('fit').addEventListener('click',function(){
    box.x=full.x;box.y=full.y;box.width=full.w;box.height=full.h;
  });
  document.body.setAttribute('data-shoal-ready','1');
})();
"""


def to_html(graph: Graph, title: str) -> str:
    """The page: inline style, inline SVG, inline script; no URL anywhere."""
    body, width, height = _svg(graph)
    counts = {k: sum(1 for e in graph.edges if e.kind == k)
              for k in ("import", "deferred", "type-checking")}
    summary = (f"{len(graph.nodes)} {graph.level}s, {counts['import']} import-time, "
               f"{counts['deferred']} deferred (dashed), {counts['type-checking']} "
               f"TYPE_CHECKING (dotted) edges, {len(graph.cycles)} SH003 cycles (red)")
    data = json.dumps({"cycles": graph.cycles}).replace("</", "<\\/")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><div id=\"bar\"><input id=\"q\" placeholder=\"find a module\"> "
        f"<button id=\"fit\">fit</button> <span>{html.escape(summary)}; wheel: zoom, drag: "
        f"pan, click: its edges</span></div>"
        f"<svg id=\"g\" viewBox=\"0 0 {width} {height}\" preserveAspectRatio=\"xMinYMin meet\">"
        f"{body}</svg>"
        f"<script type=\"application/json\" id=\"data\">{data}</script>"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
