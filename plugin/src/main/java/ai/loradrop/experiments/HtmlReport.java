/*
 * Copyright (c) 2025 LoRA-Drop contributors.
 * Licensed under the Apache License, Version 2.0.
 */
package ai.loradrop.experiments;

import ai.loradrop.io.AtomicFiles;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The self-contained HTML report of a sweep or of any run reports ({@code loradrop train}'s included): one file
 * with the data embedded as JSON and a small script of ours that draws every plot as inline SVG, so it works offline
 * (no CDN, no external file). Contents: a sortable results table (click a header), training and validation loss
 * per epoch for each run, reliability diagrams (deterministic vs ensemble), ECE and accuracy against the ensemble
 * size K, accuracy against the dropout probability per dropout mode, the selected run's confusion matrix and each
 * run's provenance (expandable).
 * <p>
 * Every plot is an {@code <svg class="plot">} that the script marks {@code data-drawn="true"} once drawn (or
 * {@code data-drawn="empty"} with a note when the reports hold no data for it).
 */
public final class HtmlReport {
    private HtmlReport() {}

    /**
     * Writes the report atomically.
     * @param file the HTML file.
     * @param title the page title.
     * @param reports the run reports (nulls skipped).
     * @param selection the dev-set selection, or null (then no run is marked, and the confusion matrix shown is the
     *                  first run's that has one).
     * @throws IOException when the file cannot be written.
     */
    public static void write(Path file, String title, List<Map<String, Object>> reports, Selection selection) throws IOException {
        AtomicFiles.write(file, "HTML report", html(title, reports, selection).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The report's HTML.
     * @param title the page title.
     * @param reports the run reports (nulls skipped).
     * @param selection the dev-set selection, or null.
     * @return the HTML text.
     * @throws IOException when the data cannot be serialized.
     */
    public static String html(String title, List<Map<String, Object>> reports, Selection selection) throws IOException {
        List<Map<String, Object>> runs = new ArrayList<>();
        for (Map<String, Object> r : reports) {
            if (r != null) {
                runs.add(normalized(r, runs.size()));
            }
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("title", title);
        data.put("runs", runs);
        data.put("selection", selection == null ? null : Map.of("configuration", selection.bestConfig(), "run",
                selection.bestRun(), "criterion", selection.metric()));
        data.put("columns", columns());
        String json = new ObjectMapper().writeValueAsString(data)
                .replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026");
        return TEMPLATE.replace("@TITLE@", escape(title)).replace("@DATA@", json).replace("@SCRIPT@", SCRIPT)
                .replace("@STYLE@", STYLE);
    }

    private static List<Map<String, Object>> columns() {
        List<Map<String, Object>> cols = new ArrayList<>();
        for (ResultsTable.Column c : ResultsTable.COLUMNS) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("key", c.key());
            m.put("header", c.header());
            m.put("path", c.path());
            m.put("digits", c.digits());
            cols.add(m);
        }
        return cols;
    }

    /**
     * A run report with the fields the page reads filled in where a report lacks them (a {@code loradrop train}
     * report): label, configuration hash, dropout mode and probability (from its provenance), per-epoch losses.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> normalized(Map<String, Object> r, int index) {
        Map<String, Object> m = new LinkedHashMap<>(r);
        Object prov = r.get("provenance");
        m.putIfAbsent("label", r.getOrDefault("source", "run " + (index + 1)));
        m.putIfAbsent("config_label", m.get("label"));
        m.putIfAbsent("config_hash", "run-" + (index + 1));
        Map<String, Object> config = r.get("config") instanceof Map<?, ?> c ? (Map<String, Object>) c : Map.of();
        Object dropout = config.containsKey("dropout") ? config.get("dropout") : find(prov, "dropout");
        Object mode = config.containsKey("dropoutMode") ? config.get("dropoutMode") : find(prov, "dropoutMode");
        m.put("dropout_value", dropout == null ? null : parse(dropout));
        m.put("dropout_mode", mode == null ? null : String.valueOf(mode));
        if (!(r.get("epochs") instanceof Map)) {
            Map<String, Object> epochs = new LinkedHashMap<>();
            epochs.put("train_loss", numbers(find(prov, "loradrop-train-loss")));
            epochs.put("validation_loss", numbers(find(prov, "loradrop-validation-loss")));
            Object chosen = find(prov, "loradrop-chosen-epoch");
            epochs.put("chosen_epoch", chosen == null ? null : parse(chosen));
            m.put("epochs", epochs);
        }
        return m;
    }

    private static Double parse(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        try {
            return Double.parseDouble(String.valueOf(v));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static List<Double> numbers(Object v) {
        List<Double> out = new ArrayList<>();
        if (v instanceof Collection<?> c) {
            c.forEach(x -> out.add(parse(x)));
        }
        return out;
    }

    /** The first value under a key anywhere in a tree of maps and lists, or null. */
    private static Object find(Object tree, String key) {
        if (tree instanceof Map<?, ?> m) {
            if (m.containsKey(key)) {
                return m.get(key);
            }
            for (Object v : m.values()) {
                Object f = find(v, key);
                if (f != null) {
                    return f;
                }
            }
        } else if (tree instanceof Collection<?> c) {
            for (Object v : c) {
                Object f = find(v, key);
                if (f != null) {
                    return f;
                }
            }
        }
        return null;
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static final String TEMPLATE = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>@TITLE@</title>
            <style>@STYLE@</style>
            </head>
            <body>
            <h1>@TITLE@</h1>
            <p id="summary"></p>
            <h2>Results</h2>
            <p class="note">Click a column header to sort. Test-set columns are reported only; the dev set selects.</p>
            <div class="scroll"><table id="results"><thead></thead><tbody></tbody></table></div>
            <h2>Ensemble size</h2>
            <div class="row">
              <figure><svg class="plot" id="plot-k-accuracy" width="460" height="300"></svg><figcaption>Test accuracy against ensemble size K (mean over seeds)</figcaption></figure>
              <figure><svg class="plot" id="plot-k-ece" width="460" height="300"></svg><figcaption>Test ECE against ensemble size K (solid: plain, dashed: dev-fitted temperature)</figcaption></figure>
            </div>
            <h2>Dropout</h2>
            <div class="row">
              <figure><svg class="plot" id="plot-dropout" width="460" height="300"></svg><figcaption>Test accuracy against LoRA dropout p, per mode (solid: deterministic, dashed: ensemble)</figcaption></figure>
              <figure><svg class="plot" id="plot-confusion" width="560" height="560"></svg><figcaption id="confusion-caption">Confusion matrix</figcaption></figure>
            </div>
            <h2>Loss curves and reliability per run</h2>
            <div id="runs"></div>
            <script type="application/json" id="report-data">@DATA@</script>
            <script>@SCRIPT@</script>
            </body>
            </html>
            """;

    private static final String STYLE = """
            body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;background:#fff}
            h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
            .note{color:#666;font-size:13px}.scroll{overflow-x:auto}
            table{border-collapse:collapse;font-size:13px}th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
            th{cursor:pointer;background:#f4f4f4;user-select:none}th.asc:after{content:" \\25B2"}th.desc:after{content:" \\25BC"}
            td.label,th.label{text-align:left}tr.best td{font-weight:bold;background:#fff8dc}
            .row{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0 0 12px 0}figcaption{font-size:12px;color:#555;max-width:460px}
            .run{border:1px solid #e4e4e4;border-radius:6px;padding:8px 12px;margin:10px 0}
            .run h3{font-size:14px;margin:4px 0}.legend{font-size:12px;color:#333;max-width:460px}
            .legend span{display:inline-block;margin:2px 12px 2px 0}.legend i{display:inline-block;width:16px;height:0;margin-right:5px;vertical-align:middle}details pre{max-height:360px;overflow:auto;background:#f8f8f8;padding:8px;font-size:11px}
            svg text{font-size:11px;fill:#333}.axis line,.axis path{stroke:#888}.grid line{stroke:#eee}
            """;

    private static final String SCRIPT = """
            (function () {
              'use strict';
              var D = JSON.parse(document.getElementById('report-data').textContent);
              var NS = 'http://www.w3.org/2000/svg';
              var COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
              var runs = D.runs;
              var best = null;
              if (D.selection) { runs.forEach(function (r) { if (r.config_hash === D.selection.run) { best = r; } }); }

              function get(o, path) { for (var i = 0; i < path.length; i++) { if (o == null) { return null; } o = o[path[i]]; } return (typeof o === 'number') ? o : null; }
              function fmt(v, d) { return v == null ? '' : v.toFixed(d); }
              function el(tag, attrs, parent) {
                var e = document.createElementNS(NS, tag);
                for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { e.setAttribute(k, attrs[k]); } }
                if (parent) { parent.appendChild(e); }
                return e;
              }
              function text(parent, x, y, s, anchor, extra) {
                var t = el('text', Object.assign({x: x, y: y, 'text-anchor': anchor || 'middle'}, extra || {}), parent);
                t.textContent = s; return t;
              }
              function empty(svg, why) {
                text(svg, svg.getAttribute('width') / 2, svg.getAttribute('height') / 2, why);
                svg.setAttribute('data-drawn', 'empty');
              }
              function ticks(lo, hi, n) {
                var step = (hi - lo) / n, out = [];
                for (var i = 0; i <= n; i++) { out.push(lo + i * step); }
                return out;
              }
              /* The legend of a plot: an HTML line after its SVG, one swatch per named series. */
              function legend(svg, items) {
                if (!items.length) { return; }
                var div = document.createElement('div'); div.className = 'legend';
                items.forEach(function (s) {
                  var span = document.createElement('span');
                  var sw = document.createElement('i');
                  sw.style.borderTop = '2px ' + (s.dash ? 'dashed ' : 'solid ') + s.color;
                  if (s.fill) { sw.style.border = 'none'; sw.style.background = s.color; sw.style.height = '10px'; }
                  span.appendChild(sw);
                  span.appendChild(document.createTextNode(s.name));
                  div.appendChild(span);
                });
                svg.parentNode.insertBefore(div, svg.nextSibling);
              }
              /* A line chart: series of {name, points [[x, y]], color, dash}. */
              function lineChart(svg, series, o) {
                var pts = [];
                series.forEach(function (s) { s.points.forEach(function (p) { if (p[1] != null && isFinite(p[1])) { pts.push(p); } }); });
                if (pts.length === 0) { empty(svg, o.none || 'no data'); return; }
                var W = +svg.getAttribute('width'), H = +svg.getAttribute('height');
                var m = {l: 52, r: 12, t: 14, b: 40};
                var xs = pts.map(function (p) { return p[0]; }), ys = pts.map(function (p) { return p[1]; });
                var x0 = o.xMin != null ? o.xMin : Math.min.apply(null, xs), x1 = o.xMax != null ? o.xMax : Math.max.apply(null, xs);
                var y0 = o.yMin != null ? o.yMin : Math.min.apply(null, ys), y1 = o.yMax != null ? o.yMax : Math.max.apply(null, ys);
                if (x1 === x0) { x0 -= 0.5; x1 += 0.5; }
                if (y1 === y0) { y0 -= 0.01; y1 += 0.01; }
                var pad = (y1 - y0) * 0.06; if (o.yMin == null) { y0 -= pad; } if (o.yMax == null) { y1 += pad; }
                function X(v) { return m.l + (v - x0) / (x1 - x0) * (W - m.l - m.r); }
                function Y(v) { return H - m.b - (v - y0) / (y1 - y0) * (H - m.t - m.b); }
                var g = el('g', {'class': 'grid'}, svg), ax = el('g', {'class': 'axis'}, svg);
                ticks(y0, y1, 5).forEach(function (v) {
                  el('line', {x1: m.l, x2: W - m.r, y1: Y(v), y2: Y(v)}, g);
                  text(ax, m.l - 6, Y(v) + 4, v.toFixed(o.yDigits != null ? o.yDigits : 3), 'end');
                });
                var xt = (o.xTicks || ticks(x0, x1, 5)).filter(function (v) { return v >= x0 - 1e-9 && v <= x1 + 1e-9; });
                xt.forEach(function (v) { text(ax, X(v), H - m.b + 16, (+v).toFixed(o.xDigits != null ? o.xDigits : 2)); });
                el('line', {x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b}, ax);
                el('line', {x1: m.l, x2: m.l, y1: m.t, y2: H - m.b}, ax);
                text(svg, (m.l + W - m.r) / 2, H - m.b + 32, o.xLabel || '');
                text(svg, 12, (m.t + H - m.b) / 2, o.yLabel || '', 'middle', {transform: 'rotate(-90 12 ' + (m.t + H - m.b) / 2 + ')'});
                if (o.diagonal) { el('line', {x1: X(0), y1: Y(0), x2: X(1), y2: Y(1), stroke: '#aaa', 'stroke-dasharray': '4 3'}, svg); }
                var named = [];
                series.forEach(function (s) {
                  var p = s.points.filter(function (q) { return q[1] != null && isFinite(q[1]); });
                  if (p.length === 0) { return; }
                  var d = p.map(function (q, i) { return (i ? 'L' : 'M') + X(q[0]).toFixed(1) + ' ' + Y(q[1]).toFixed(1); }).join(' ');
                  el('path', {d: d, fill: 'none', stroke: s.color, 'stroke-width': 1.8, 'stroke-dasharray': s.dash || ''}, svg);
                  p.forEach(function (q) { el('circle', {cx: X(q[0]), cy: Y(q[1]), r: 2.5, fill: s.color}, svg); });
                  if (s.name) { named.push(s); }
                });
                legend(svg, named);
                svg.setAttribute('data-drawn', 'true');
              }
              /* Reliability diagram: per bin the accuracy of the deterministic model and the ensemble, bars against the diagonal. */
              function reliability(svg, variants) {
                var W = +svg.getAttribute('width'), H = +svg.getAttribute('height'), m = {l: 40, r: 8, t: 10, b: 34};
                var have = variants.filter(function (v) { return v.bins && v.bins.length; });
                if (have.length === 0) { empty(svg, 'no reliability bins'); return; }
                function X(v) { return m.l + v * (W - m.l - m.r); }
                function Y(v) { return H - m.b - v * (H - m.t - m.b); }
                var ax = el('g', {'class': 'axis'}, svg);
                [0, 0.25, 0.5, 0.75, 1].forEach(function (v) { text(ax, m.l - 4, Y(v) + 4, v.toFixed(2), 'end'); text(ax, X(v), H - m.b + 14, v.toFixed(2)); });
                el('line', {x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b}, ax);
                el('line', {x1: m.l, x2: m.l, y1: m.t, y2: H - m.b}, ax);
                el('line', {x1: X(0), y1: Y(0), x2: X(1), y2: Y(1), stroke: '#999', 'stroke-dasharray': '4 3'}, svg);
                text(svg, (m.l + W - m.r) / 2, H - m.b + 28, 'confidence');
                have.forEach(function (v, vi) {
                  v.bins.forEach(function (b) {
                    if (!b.count || b.accuracy == null) { return; }
                    var bw = (X(b.upper) - X(b.lower)) / have.length;
                    el('rect', {x: X(b.lower) + vi * bw, y: Y(b.accuracy), width: Math.max(bw - 1, 1), height: Y(0) - Y(b.accuracy),
                      fill: v.color, 'fill-opacity': 0.75}, svg);
                  });
                });
                legend(svg, have.map(function (v) { return {name: v.name, color: v.color, fill: true}; }));
                svg.setAttribute('data-drawn', 'true');
              }
              function confusion(svg, c) {
                if (!c || !c.matrix || !c.matrix.length) { empty(svg, 'no confusion matrix in these reports'); return; }
                var n = c.labels.length, W = +svg.getAttribute('width'), H = +svg.getAttribute('height');
                var m = {l: 120, t: 10, r: 10, b: 110}, cw = (W - m.l - m.r) / n, ch = (H - m.t - m.b) / n;
                c.matrix.forEach(function (row, i) {
                  var tot = row.reduce(function (a, b) { return a + b; }, 0) || 1;
                  row.forEach(function (v, j) {
                    var f = v / tot;
                    var cell = el('rect', {x: m.l + j * cw, y: m.t + i * ch, width: cw, height: ch,
                      fill: 'rgb(' + Math.round(255 - 225 * f) + ',' + Math.round(255 - 170 * f) + ',' + Math.round(255 - 60 * f) + ')', stroke: '#fff'}, svg);
                    var t = el('title', {}, cell); t.textContent = c.labels[i] + ' \\u2192 ' + c.labels[j] + ': ' + v;
                    if (v && cw > 14) { text(svg, m.l + (j + 0.5) * cw, m.t + (i + 0.5) * ch + 4, String(v), 'middle', {style: 'font-size:9px;fill:' + (f > 0.6 ? '#fff' : '#333')}); }
                  });
                  text(svg, m.l - 4, m.t + (i + 0.5) * ch + 4, c.labels[i].replace('noun.', ''), 'end', {style: 'font-size:9px'});
                  var x = m.l + (i + 0.5) * cw, y = H - m.b + 6;
                  text(svg, x, y, c.labels[i].replace('noun.', ''), 'end', {style: 'font-size:9px', transform: 'rotate(-60 ' + x + ' ' + y + ')'});
                });
                text(svg, 12, m.t + (H - m.t - m.b) / 2, 'true label', 'middle', {transform: 'rotate(-90 12 ' + (m.t + (H - m.t - m.b) / 2) + ')'});
                text(svg, m.l + (W - m.l - m.r) / 2, H - 4, 'predicted label');
                svg.setAttribute('data-drawn', 'true');
              }

              /* Summary line. */
              var sum = runs.length + ' run' + (runs.length === 1 ? '' : 's') + '.';
              if (D.selection) { sum += ' Dev-set choice: ' + D.selection.configuration + ' (' + D.selection.criterion + '), run ' + D.selection.run + '.'; }
              document.getElementById('summary').textContent = sum;

              /* Results table, sortable. */
              var cols = [{key: 'label', header: 'run', label: true}].concat(D.columns);
              var thead = document.querySelector('#results thead'), tbody = document.querySelector('#results tbody');
              var hr = document.createElement('tr');
              cols.forEach(function (c, ci) {
                var th = document.createElement('th'); th.textContent = c.header; th.setAttribute('data-col', ci);
                if (c.label) { th.className = 'label'; }
                hr.appendChild(th);
              });
              thead.appendChild(hr);
              function cell(r, c) { return c.label ? r.label : get(r, c.path); }
              runs.forEach(function (r) {
                var tr = document.createElement('tr');
                if (r === best) { tr.className = 'best'; }
                cols.forEach(function (c) {
                  var td = document.createElement('td'), v = cell(r, c);
                  if (c.label) { td.className = 'label'; td.textContent = v; td.setAttribute('data-value', v); }
                  else { td.textContent = fmt(v, c.digits); td.setAttribute('data-value', v == null ? '' : v); }
                  tr.appendChild(td);
                });
                tbody.appendChild(tr);
              });
              var sortCol = -1, asc = true;
              thead.addEventListener('click', function (e) {
                var th = e.target.closest('th'); if (!th) { return; }
                var ci = +th.getAttribute('data-col');
                asc = (sortCol === ci) ? !asc : true; sortCol = ci;
                Array.prototype.forEach.call(thead.querySelectorAll('th'), function (h) { h.classList.remove('asc', 'desc'); });
                th.classList.add(asc ? 'asc' : 'desc');
                var rows = Array.prototype.slice.call(tbody.rows);
                rows.sort(function (a, b) {
                  var x = a.cells[ci].getAttribute('data-value'), y = b.cells[ci].getAttribute('data-value');
                  var nx = parseFloat(x), ny = parseFloat(y), r;
                  if (cols[ci].label) { r = x.localeCompare(y); }
                  else if (isNaN(nx) && isNaN(ny)) { r = 0; } else if (isNaN(nx)) { return 1; } else if (isNaN(ny)) { return -1; } else { r = nx - ny; }
                  return asc ? r : -r;
                });
                rows.forEach(function (r) { tbody.appendChild(r); });
              });

              /* Curves over K, mean per configuration. */
              var configs = [], byConfig = {};
              runs.forEach(function (r) { if (!byConfig[r.config_label]) { byConfig[r.config_label] = []; configs.push(r.config_label); } byConfig[r.config_label].push(r); });
              function meanCurve(list, key) {
                var acc = {};
                list.forEach(function (r) { (r.ensemble_curve || []).forEach(function (p) { if (p[key] != null) { (acc[p.k] = acc[p.k] || []).push(p[key]); } }); });
                return Object.keys(acc).map(Number).sort(function (a, b) { return a - b; }).map(function (k) {
                  return [k, acc[k].reduce(function (a, b) { return a + b; }, 0) / acc[k].length]; });
              }
              var kAcc = [], kEce = [];
              configs.forEach(function (c, i) {
                var col = COLORS[i % COLORS.length];
                kAcc.push({name: c, color: col, points: meanCurve(byConfig[c], 'accuracy')});
                kEce.push({name: c, color: col, points: meanCurve(byConfig[c], 'ece')});
                kEce.push({name: '', color: col, dash: '5 3', points: meanCurve(byConfig[c], 'ece_tempered')});
              });
              var maxK = 1;
              runs.forEach(function (r) { (r.ensemble_curve || []).forEach(function (p) { maxK = Math.max(maxK, p.k); }); });
              var kTicks = [];
              for (var kt = 1; kt <= maxK; kt++) { if (maxK <= 8 || kt === 1 || kt % 4 === 0 || kt === 2) { kTicks.push(kt); } }
              lineChart(document.getElementById('plot-k-accuracy'), kAcc.filter(function (s) { return s.points.length; }), {xLabel: 'ensemble size K', yLabel: 'test accuracy', xDigits: 0, xTicks: kTicks, none: 'no ensemble curves (no run with LoRA dropout)'});
              lineChart(document.getElementById('plot-k-ece'), kEce.filter(function (s) { return s.points.length; }), {xLabel: 'ensemble size K', yLabel: 'test ECE', xDigits: 0, xTicks: kTicks, yMin: 0, none: 'no ensemble curves (no run with LoRA dropout)'});

              /* Accuracy against dropout, per mode. */
              var modes = {}, modeList = [];
              runs.forEach(function (r) {
                if (r.dropout_value == null) { return; }
                var mode = r.dropout_mode || 'mode?';
                if (!modes[mode]) { modes[mode] = {}; modeList.push(mode); }
                var bucket = modes[mode][r.dropout_value] = modes[mode][r.dropout_value] || {det: [], ens: []};
                var a = get(r, ['deterministic', 'accuracy']), b = get(r, ['ensemble', 'accuracy']);
                if (a != null) { bucket.det.push(a); } if (b != null) { bucket.ens.push(b); }
              });
              function avg(xs) { return xs.length ? xs.reduce(function (a, b) { return a + b; }, 0) / xs.length : null; }
              var ds = [];
              modeList.forEach(function (mode, i) {
                var ps = Object.keys(modes[mode]).map(Number).sort(function (a, b) { return a - b; });
                ds.push({name: mode, color: COLORS[i % COLORS.length], points: ps.map(function (p) { return [p, avg(modes[mode][p].det)]; })});
                ds.push({name: mode + ' ens.', color: COLORS[i % COLORS.length], dash: '5 3', points: ps.map(function (p) { return [p, avg(modes[mode][p].ens)]; })});
              });
              lineChart(document.getElementById('plot-dropout'), ds, {xLabel: 'LoRA dropout p', yLabel: 'test accuracy', none: 'no test accuracy with a known dropout'});

              /* Confusion matrix of the selected run (else the first that has one). */
              var cm = best && best.confusion ? best : null;
              if (!cm) { runs.forEach(function (r) { if (!cm && r.confusion) { cm = r; } }); }
              document.getElementById('confusion-caption').textContent = cm
                ? 'Confusion matrix on the test set, ' + (cm === best ? 'dev-selected run ' : 'run ') + cm.label + ' (deterministic; rows normalised for colour)'
                : 'Confusion matrix';
              confusion(document.getElementById('plot-confusion'), cm ? cm.confusion : null);

              /* Per run: loss curves, reliability diagram, provenance. */
              var box = document.getElementById('runs');
              runs.forEach(function (r, i) {
                var div = document.createElement('div'); div.className = 'run';
                var h = document.createElement('h3'); h.textContent = r.label + (r === best ? '  (dev choice)' : '') + '  \\u2014 ' + r.config_hash;
                div.appendChild(h);
                var row = document.createElement('div'); row.className = 'row'; div.appendChild(row);
                var f1 = document.createElement('figure'); row.appendChild(f1);
                var s1 = el('svg', {'class': 'plot', id: 'plot-loss-' + i, width: 380, height: 240}, f1);
                var c1 = document.createElement('figcaption'); f1.appendChild(c1);
                var ep = r.epochs || {};
                c1.textContent = 'Training (solid) and validation (dashed) loss per epoch' + (ep.chosen_epoch ? '; the dev set picks epoch ' + ep.chosen_epoch : '');
                function series(xs) { return (xs || []).map(function (v, e) { return [e + 1, v]; }); }
                lineChart(s1, [{name: 'train', color: COLORS[0], points: series(ep.train_loss)},
                               {name: 'validation', color: COLORS[1], dash: '5 3', points: series(ep.validation_loss)}],
                          {xLabel: 'epoch', yLabel: 'loss', xDigits: 0, xTicks: series(ep.train_loss).map(function (p) { return p[0]; }), none: 'no per-epoch losses'});
                var f2 = document.createElement('figure'); row.appendChild(f2);
                var s2 = el('svg', {'class': 'plot', id: 'plot-reliability-' + i, width: 380, height: 240}, f2);
                var c2 = document.createElement('figcaption'); f2.appendChild(c2);
                var det = r.deterministic || {}, ens = r.ensemble || {};
                c2.textContent = 'Reliability on the test set: deterministic (ECE ' + fmt(det.ece, 4) + ')' + (r.ensemble ? ' vs ensemble K=' + ens.ensemble_size + ' (ECE ' + fmt(ens.ece, 4) + ')' : '');
                reliability(s2, [{name: 'deterministic', color: COLORS[0], bins: det.reliability},
                                 {name: 'ensemble' + (r.ensemble ? ' K=' + ens.ensemble_size : ''), color: COLORS[1], bins: ens.reliability}]);
                var det2 = document.createElement('details');
                var su = document.createElement('summary'); su.textContent = 'provenance and settings'; det2.appendChild(su);
                var pre = document.createElement('pre');
                pre.textContent = JSON.stringify({config: r.config || null, seed: r.seed, provenance: r.provenance || null}, null, 2);
                det2.appendChild(pre); div.appendChild(det2);
                box.appendChild(div);
              });
              document.body.setAttribute('data-report-ready', 'true');
            })();
            """;
}
