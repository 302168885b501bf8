// The StreamCL dashboard page: renders the state the server pushes as server-sent events (see DashboardServer).
// window.streamclDashboard exposes the newest state and the uPlot charts, for tests and for the curious.
(function () {
  "use strict";

  const PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777", "#65a30d",
    "#4b5563", "#ea580c"];
  const PUBLISHED = "published";
  const dashboard = window.streamclDashboard = {
    loadId: Math.random().toString(36).slice(2), // changes on every page load: proves a page was not reloaded
    loadedAt: Date.now(),
    updates: 0,
    state: null,
    charts: { prequential: null, testAccuracy: null, throughput: null },
  };
  const colors = new Map();

  function colorOf(name) {
    if (!colors.has(name)) {
      colors.set(name, PALETTE[colors.size % PALETTE.length]);
    }
    return colors.get(name);
  }

  function esc(text) {
    return String(text).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;",
      "'": "&#39;" })[c]);
  }

  const int = n => n == null ? "—" : Math.round(n).toLocaleString("en-US");
  const pct = a => a == null ? "—" : (100 * a).toFixed(1) + " %";
  const rate = r => r == null ? "—" : r >= 100 ? int(r) : r.toFixed(1);

  function age(ms) {
    if (ms == null) {
      return "—";
    }
    const s = Math.floor(ms / 1000);
    if (s < 60) {
      return s + " s";
    }
    if (s < 3600) {
      return Math.floor(s / 60) + " min " + (s % 60) + " s";
    }
    return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
  }

  function clock(ms) {
    return new Date(ms).toLocaleTimeString("en-GB");
  }

  function dateTime(ms) {
    return new Date(ms).toISOString().replace("T", " ").slice(0, 19);
  }

  // One stream: series are named by learner; several: by stream/learner.
  function seriesName(state, stream, learner) {
    const streams = new Set(state.models.map(m => m.stream));
    return streams.size > 1 ? stream + "/" + learner : learner;
  }

  function swatch(name) {
    return "<span class=\"swatch\" style=\"background:" + colorOf(name) + "\"></span>";
  }

  // The swatch and name of one stream's learner, coloured as its chart lines.
  function named(state, stream, learner) {
    const name = seriesName(state, stream, learner);
    return swatch(name) + esc(name);
  }

  function table(headers, rows, empty) {
    if (rows.length === 0) {
      return "<div class=\"empty\">" + esc(empty) + "</div>";
    }
    const head = headers.map(h => "<th" + (h.num ? " class=\"num\"" : "") + ">" + esc(h.title) + "</th>").join("");
    return "<table class=\"data\"><thead><tr>" + head + "</tr></thead><tbody>" + rows.join("") + "</tbody></table>";
  }

  function cell(value, attributes, classes) {
    const attrs = Object.entries(attributes || {}).map(([k, v]) => " data-" + k + "=\"" + esc(v) + "\"").join("");
    return "<td" + (classes ? " class=\"" + classes + "\"" : "") + attrs + ">" + value + "</td>";
  }

  function renderKpis(state) {
    const versions = state.models.reduce((sum, m) => sum + m.versions, 0);
    const learned = Object.values(state.throughput.learned).filter(r => r != null);
    const lags = state.models.map(m => m.learnerLag).filter(l => l != null);
    const kpis = [
      ["Learners", int(state.models.length), "", "streams × learners"],
      ["Model versions", int(versions)],
      ["Samples/s in", rate(state.throughput.published)],
      ["Samples/s learned", learned.length ? rate(Math.max(...learned)) : "—"],
      ["Learner lag", lags.length ? int(Math.max(...lags)) : "—", "", "the largest, in samples-topic records"],
      ["Serving lag", state.serving ? int(state.serving.lag) : "—", "", "", state.serving ? "" : "not running"],
      ["Dead letters", int(state.deadLetters.total), state.deadLetters.total > 0 ? "bad" : ""],
      ["Drift alerts", int(state.alerts.drift), state.alerts.drift > 0 ? "warn" : ""],
    ];
    document.getElementById("kpis").innerHTML = kpis.map(([label, value, tone, title, note]) =>
      "<div class=\"kpi\" title=\"" + esc(title || label) + "\"><div class=\"label\">" + esc(label)
      + "</div><div class=\"value " + (tone || "") + "\">" + esc(value)
      + (note ? " <span class=\"note\">" + esc(note) + "</span>" : "") + "</div></div>").join("");
  }

  function renderModels(state) {
    const rows = state.models.map(m => {
      const key = { stream: m.stream, learner: m.learner };
      const at = field => Object.assign({ field: field }, key);
      return "<tr data-stream=\"" + esc(m.stream) + "\" data-learner=\"" + esc(m.learner) + "\">"
        + cell(esc(m.stream), at("stream"))
        + cell(swatch(seriesName(state, m.stream, m.learner)) + esc(m.learner), at("learner"), "nowrap")
        + cell(m.version > 0 ? String(m.version) : "—", at("version"), "num version")
        + cell(age(m.ageMs), at("age"), "num")
        + cell(int(m.samplesSeen), at("samples"), "num")
        + cell(pct(m.prequentialAccuracy), at("prequential"), "num")
        + cell(m.testAccuracy == null ? "—" : pct(m.testAccuracy) + " <span class=\"muted\">v"
          + m.testedVersion + "</span>", at("test-accuracy"), "num")
        + cell(int(m.learnerLag), at("lag"), "num")
        + "</tr>";
    });
    document.getElementById("models").innerHTML = table([{ title: "Stream" }, { title: "Learner" },
      { title: "Version", num: true }, { title: "Age", num: true }, { title: "Samples seen", num: true },
      { title: "Prequential acc.", num: true }, { title: "Test acc.", num: true },
      { title: "Learner lag", num: true }], rows, "No model published yet: waiting for the learner job.");
  }

  function renderMatrices(state) {
    const blocks = state.matrices.map(m => {
      const head = "<tr><th></th>" + m.tasks.map(t => "<th>task " + t + "</th>").join("") + "</tr>";
      const rows = m.rows.map(r => "<tr><th class=\"row\">after task " + r.trainedThroughTask + " <small>v"
        + r.version + "</small></th>" + r.accuracy.map(a => {
        if (a == null) {
          return "<td class=\"muted\">·</td>";
        }
        const style = "background:rgba(37,99,235," + (0.08 + 0.85 * a).toFixed(3) + ");color:"
          + (a > 0.55 ? "#fff" : "#0f172a");
        return "<td style=\"" + style + "\">" + (100 * a).toFixed(1) + "</td>";
      }).join("") + "</tr>");
      return "<div class=\"matrix\" data-stream=\"" + esc(m.stream) + "\" data-learner=\"" + esc(m.learner)
        + "\"><h3>" + named(state, m.stream, m.learner) + "</h3><table class=\"data\">"
        + "<thead>" + head + "</thead><tbody>" + rows.join("") + "</tbody></table></div>";
    });
    document.getElementById("matrices").innerHTML = blocks.length ? "<div class=\"matrices\">" + blocks.join("")
      + "</div>" : "<div class=\"empty\">No task-boundary version evaluated yet (the evaluation service writes "
      + "them to the eval topic).</div>";
  }

  function renderLag(state) {
    const rows = state.models.filter(m => m.version > 0).map(m => "<tr>"
      + cell("learner job") + cell(named(state, m.stream, m.learner), {}, "nowrap")
      + cell(int(m.learnerLag), { stream: m.stream, learner: m.learner, field: "learner-lag" }, "num")
      + cell("<span class=\"muted\">v" + m.version + " reflects " + int(m.samplesSeen) + " samples</span>", {},
        "nowrap")
      + "</tr>");
    const s = state.serving;
    rows.push("<tr>" + cell("serving") + cell(s ? esc(s.group) : "<span class=\"muted\">streamcl-serving-"
      + esc(state.topicPrefix) + "</span>") + cell(s ? int(s.lag) : "—", { field: "serving-lag" }, "num")
      + cell(s ? "<span class=\"tag running\">" + esc(s.state.toLowerCase()) + "</span> <span class=\"muted\">"
        + s.members + " member" + (s.members === 1 ? "" : "s") + "</span>" : "<span class=\"muted\">not running"
        + "</span>") + "</tr>");
    document.getElementById("lag").innerHTML = table([{ title: "Consumer" }, { title: "Of" },
      { title: "Lag (records)", num: true }, { title: "" }], rows, "");
  }

  function renderDeadLetters(state) {
    const rows = state.deadLetters.groups.map(g => "<tr title=\"" + esc(g.example) + "\">"
      + cell(esc(g.stage), { field: "stage" }) + cell("<span class=\"tag\">" + esc(g.reason) + "</span>")
      + cell(esc(g.error), { field: "error" }, "error-text") + cell(int(g.count), { field: "count" }, "num")
      + "</tr>");
    document.getElementById("dead-letters").innerHTML = table([{ title: "Stage" }, { title: "Reason" },
      { title: "Error begins" }, { title: "Count", num: true }], rows, "None: every record was processed.");
  }

  function renderAlerts(state) {
    const rows = state.alerts.newest.map(a => {
      const d = a.drift;
      const kind = d ? "<span class=\"tag drift\">drift</span>" : a.severity === "QUARANTINED"
        ? "<span class=\"tag quarantined\">quarantined</span>" : "<span class=\"tag\">warning</span>";
      return "<tr data-kind=\"" + (d ? "drift" : a.severity.toLowerCase()) + "\">" + cell(kind)
        + cell(named(state, a.stream, a.learner), {}, "nowrap")
        + cell(d ? int(d.position) : "—", { field: "position" }, "num")
        + cell(d ? pct(d.errorBefore) + " → " + pct(d.errorAfter) : "—", {}, "num")
        + cell(d ? (d.magnitude >= 0 ? "+" : "") + (100 * d.magnitude).toFixed(1) + " pp" : "—",
          { field: "magnitude" }, "num")
        + cell(a.modelVersion > 0 ? "v" + a.modelVersion : "—", {}, "num")
        + cell("<span class=\"muted\">" + esc(dateTime(a.occurredAt)) + "</span>", {}, "nowrap")
        + cell(esc(a.message), {}, "error-text") + "</tr>";
    });
    document.getElementById("alerts").innerHTML = table([{ title: "Kind" }, { title: "Learner" },
      { title: "At sample", num: true }, { title: "Error before → after", num: true },
      { title: "Magnitude", num: true }, { title: "Version", num: true }, { title: "Event time" },
      { title: "Message" }], rows, "No alerts.");
  }

  // uPlot wants one x array shared by every series: the union of the curves' x values, null where one has none.
  function aligned(curves) {
    const xs = [...new Set(curves.flatMap(c => c.x))].sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const data = [xs];
    curves.forEach(c => {
      const ys = new Array(xs.length).fill(null);
      c.x.forEach((x, i) => { ys[index.get(x)] = c.y[i]; });
      data.push(ys);
    });
    return data;
  }

  function chartWidth(element) {
    return Math.max(320, element.clientWidth);
  }

  // Creates the chart, or feeds the one there when its series are the same.
  function draw(name, elementId, series, data, options) {
    const element = document.getElementById(elementId);
    const signature = series.map(s => s.label).join("|");
    let chart = dashboard.charts[name];
    if (series.length === 0) {
      if (chart) {
        chart.destroy();
        dashboard.charts[name] = null;
      }
      element.innerHTML = "<div class=\"empty\">" + esc(options.empty) + "</div>";
      return;
    }
    if (chart && chart.signature === signature) {
      chart.setData(data);
      return;
    }
    if (chart) {
      chart.destroy();
    }
    element.innerHTML = "";
    chart = new uPlot({
      width: chartWidth(element),
      height: 260,
      scales: Object.assign({ x: { time: options.time } }, options.scales || {}),
      axes: [{ label: options.xLabel, grid: { stroke: "#eef2f7" } },
        { label: options.yLabel, grid: { stroke: "#eef2f7" }, values: options.yValues }],
      series: [{ label: options.xLabel, value: options.xValue }].concat(series),
      cursor: { drag: { x: false, y: false } },
      hooks: options.hooks || {},
      legend: { live: false }, // names only: a still page (and its screenshot) shows no empty values
    }, data, element);
    chart.signature = signature;
    dashboard.charts[name] = chart;
  }

  // Drift alerts as dashed verticals on the prequential chart, in the learner's colour, at the labelled sample
  // where the detector fired (the chart's x); read at every redraw, so new alerts show with the next data.
  function markDrifts(u) {
    const ctx = u.ctx;
    const top = u.bbox.top;
    const bottom = u.bbox.top + u.bbox.height;
    (dashboard.driftMarks || []).forEach(m => {
      const x = u.valToPos(m.x, "x", true);
      if (!(x >= u.bbox.left && x <= u.bbox.left + u.bbox.width)) {
        return;
      }
      ctx.save();
      ctx.strokeStyle = m.color;
      ctx.fillStyle = m.color;
      ctx.lineWidth = 1.5 * devicePixelRatio;
      ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      const s = 5 * devicePixelRatio;
      ctx.beginPath();
      ctx.moveTo(x - s, top);
      ctx.lineTo(x + s, top);
      ctx.lineTo(x, top + 1.6 * s);
      ctx.closePath();
      ctx.fill();
      ctx.restore();
    });
  }

  function line(label, color, extra) {
    return Object.assign({ label: label, stroke: color, width: 2, spanGaps: true, points: { show: false } },
      extra || {});
  }

  const percentAxis = (u, ticks) => ticks.map(t => t.toFixed(0) + " %");
  const percentValue = (u, v) => v == null ? "—" : v.toFixed(1) + " %";

  function renderCharts(state) {
    const lineOf = (curve, extra) => {
      const name = seriesName(state, curve.stream, curve.learner);
      return line(name, colorOf(name), extra);
    };
    const asPercent = curve => Object.assign({}, curve, { y: curve.y.map(a => a == null ? null : 100 * a) });
    const prequential = state.prequential.map(asPercent);
    dashboard.driftMarks = state.alerts.newest.filter(a => a.drift).map(a => ({ x: a.drift.labelledSeen,
      color: colorOf(seriesName(state, a.stream, a.learner)) }));
    draw("prequential", "chart-prequential",
      prequential.map(c => lineOf(c, { value: percentValue })),
      aligned(prequential), { time: false, xLabel: "labelled samples", yLabel: "accuracy",
        xValue: (u, v) => v == null ? "—" : int(v), yValues: percentAxis,
        scales: { y: { range: [0, 100] } }, hooks: { draw: [markDrifts] },
        empty: "Waiting for the learner job's first labelled predictions…" });

    const tested = state.testAccuracy.map(asPercent);
    draw("testAccuracy", "chart-test",
      tested.map(c => lineOf(c, { value: percentValue, points: { show: true, size: 5 } })),
      aligned(tested), { time: false, xLabel: "model version", yLabel: "test accuracy",
        xValue: (u, v) => v == null ? "—" : "v" + v, yValues: percentAxis,
        scales: { y: { range: [0, 100] } }, empty: "No version evaluated yet (run the evaluation service: "
          + "streamcl evaluate --follow)." });

    const t = state.throughput;
    const names = Object.keys(t.series);
    draw("throughput", "chart-throughput",
      names.map(n => n === PUBLISHED ? line("into samples topic", "#94a3b8", { dash: [6, 4] })
        : line(n, colorOf(n))),
      [t.times.map(ms => ms / 1000)].concat(names.map(n => t.series[n])),
      { time: true, xLabel: "time", yLabel: "samples/s", empty: "Measuring…",
        scales: { y: { range: (u, min, max) => [0, max == null ? 10 : Math.max(10, max * 1.1)] } } });
  }

  function render(state) {
    document.getElementById("prefix").textContent = state.topicPrefix + ".*";
    renderKpis(state);
    renderModels(state);
    renderCharts(state);
    renderMatrices(state);
    renderLag(state);
    renderDeadLetters(state);
    renderAlerts(state);
  }

  function setStatus(live, text) {
    const status = document.getElementById("status");
    status.className = "status " + (live ? "live" : "down");
    document.getElementById("status-text").textContent = text;
  }

  const events = new EventSource("/events");
  events.addEventListener("state", event => {
    const state = JSON.parse(event.data);
    dashboard.state = state;
    dashboard.updates++;
    render(state);
    setStatus(true, "live · updated " + clock(state.now));
  });
  events.onopen = () => setStatus(true, "live");
  events.onerror = () => setStatus(false, "reconnecting…");

  window.addEventListener("resize", () => Object.entries(dashboard.charts).forEach(([name, chart]) => {
    if (chart) {
      const element = chart.root.parentElement;
      chart.setSize({ width: chartWidth(element), height: 260 });
    }
  }));
})();
