/* ws1-audit report: filters, search, sortable and paged evidence, expand/collapse, copy.
   Tenant data is only ever read from the JSON block and written with textContent. */
(function () {
  "use strict";
  var PAGE = 50;
  var dataEl = document.getElementById("evidence-data");
  var DATA = dataEl ? JSON.parse(dataEl.textContent || "{}") : {};
  var checks = Array.prototype.slice.call(document.querySelectorAll("section.check"));
  var tables = {};

  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (el) {
    el.hidden = false;
  });

  function lower(v) { return v === null || v === undefined ? "" : String(v).toLowerCase(); }

  /* ---- evidence tables: sort, page, row filter ---- */
  function cmp(a, b) {
    var na = parseFloat(a), nb = parseFloat(b);
    if (!isNaN(na) && !isNaN(nb) && String(na) === String(a).trim() && String(nb) === String(b).trim()) {
      return na - nb;
    }
    return String(a).localeCompare(String(b), undefined, {numeric: true, sensitivity: "base"});
  }

  function Table(table) {
    var id = table.getAttribute("data-check");
    var entry = DATA[id] || {};
    this.table = table;
    this.tbody = table.tBodies[0];
    this.rows = entry.rows || Array.prototype.map.call(this.tbody.rows, function (tr) {
      return Array.prototype.map.call(tr.cells, function (td) { return td.textContent; });
    });
    this.total = entry.total || this.rows.length;
    this.view = this.rows.slice();
    this.page = 0;
    this.query = "";
    this.pager = document.getElementById(table.id + "-pager");
    var self = this;
    Array.prototype.forEach.call(table.querySelectorAll("th button.sort"), function (btn) {
      btn.addEventListener("click", function () { self.sortBy(btn); });
    });
    if (this.pager) {
      this.pager.querySelector(".prev").addEventListener("click", function () { self.go(self.page - 1); });
      this.pager.querySelector(".next").addEventListener("click", function () { self.go(self.page + 1); });
    }
  }
  Table.prototype.matches = function (q) {
    if (!q) { return this.rows.length; }
    var n = 0;
    for (var i = 0; i < this.rows.length; i++) { if (rowHas(this.rows[i], q)) { n++; } }
    return n;
  };
  function rowHas(row, q) {
    for (var j = 0; j < row.length; j++) { if (lower(row[j]).indexOf(q) !== -1) { return true; } }
    return false;
  }
  Table.prototype.filter = function (q) {
    this.query = q;
    this.view = q ? this.rows.filter(function (r) { return rowHas(r, q); }) : this.rows.slice();
    if (this.sortCol !== undefined) { this.applySort(); }
    this.go(0);
  };
  Table.prototype.sortBy = function (btn) {
    var th = btn.parentNode;
    var col = parseInt(btn.getAttribute("data-col"), 10);
    var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
    Array.prototype.forEach.call(this.table.querySelectorAll("th"), function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", dir);
    this.sortCol = col;
    this.sortDir = dir;
    this.applySort();
    this.go(0);
  };
  Table.prototype.applySort = function () {
    var col = this.sortCol, sign = this.sortDir === "descending" ? -1 : 1;
    this.view.sort(function (a, b) { return sign * cmp(a[col], b[col]); });
  };
  Table.prototype.go = function (page) {
    var pages = Math.max(1, Math.ceil(this.view.length / PAGE));
    this.page = Math.min(Math.max(page, 0), pages - 1);
    var start = this.page * PAGE, slice = this.view.slice(start, start + PAGE);
    var frag = document.createDocumentFragment();
    slice.forEach(function (row) {
      var tr = document.createElement("tr");
      row.forEach(function (cell) {
        var td = document.createElement("td");
        td.dir = "auto";
        td.textContent = cell === null || cell === undefined ? "" : String(cell);
        tr.appendChild(td);
      });
      frag.appendChild(tr);
    });
    this.tbody.textContent = "";
    this.tbody.appendChild(frag);
    if (this.pager) {
      var info = this.pager.querySelector(".page-info");
      var shown = this.view.length ? (start + 1) + "–" + (start + slice.length) : "0";
      var text = "Rows " + shown + " of " + this.view.length.toLocaleString("en");
      if (this.query) { text += " matching \u201c" + this.query + "\u201d"; }
      if (this.total > this.rows.length) {
        text += " (" + this.rows.length.toLocaleString("en") + " of " + this.total.toLocaleString("en") +
          " rows are in this report; all are in evidence.csv)";
      }
      info.textContent = text;
      this.pager.querySelector(".prev").disabled = this.page === 0;
      this.pager.querySelector(".next").disabled = this.page >= pages - 1;
    }
  };

  Array.prototype.forEach.call(document.querySelectorAll("table.evidence"), function (table) {
    var t = new Table(table);
    tables[table.getAttribute("data-check")] = t;
    if (t.pager) { t.go(0); }
  });

  /* ---- expand / collapse ---- */
  function setOpen(section, open) {
    var btn = section.querySelector("button.toggle");
    var body = section.querySelector(".check-body");
    if (!btn || !body) { return; }
    body.hidden = !open;
    btn.setAttribute("aria-expanded", open ? "true" : "false");
    btn.textContent = open ? "Hide details" : "Show details";
  }
  checks.forEach(function (section) {
    var btn = section.querySelector("button.toggle");
    if (btn) {
      btn.addEventListener("click", function () {
        setOpen(section, btn.getAttribute("aria-expanded") !== "true");
      });
      setOpen(section, section.getAttribute("data-open") === "true");
    }
  });
  function all(open) { checks.forEach(function (s) { if (!s.hidden) { setOpen(s, open); } }); }
  var expand = document.getElementById("expand-all"), collapse = document.getElementById("collapse-all");
  if (expand) { expand.addEventListener("click", function () { all(true); }); }
  if (collapse) { collapse.addEventListener("click", function () { all(false); }); }
  var openBeforePrint = [];
  window.addEventListener("beforeprint", function () {
    openBeforePrint = checks.map(function (s) { var b = s.querySelector(".check-body"); return b && !b.hidden; });
    all(true);
  });
  window.addEventListener("afterprint", function () {
    checks.forEach(function (s, i) { setOpen(s, openBeforePrint[i]); });
  });

  /* ---- filters and search ---- */
  var search = document.getElementById("search");
  var statusLive = document.getElementById("filter-status");
  function checked(name) {
    var set = {};
    Array.prototype.forEach.call(document.querySelectorAll("input[name=" + name + "]"), function (box) {
      if (box.checked) { set[box.value] = true; }
    });
    return set;
  }
  function apply() {
    var statuses = checked("status"), severities = checked("severity");
    var typed = search ? search.value.trim() : "";
    var q = typed.toLowerCase();
    var shown = 0;
    checks.forEach(function (section) {
      var ok = statuses[section.getAttribute("data-status")] && severities[section.getAttribute("data-severity")];
      var table = tables[section.getAttribute("data-check")];
      var rowHits = 0;
      if (ok && q) {
        var textHit = Array.prototype.some.call(section.querySelectorAll(".check-text"), function (el) {
          return lower(el.textContent).indexOf(q) !== -1;
        });
        rowHits = table ? table.matches(q) : 0;
        ok = textHit || rowHits > 0;
        /* rows are narrowed to the matches only when the evidence is what matched */
        if (table) { table.filter(rowHits > 0 ? q : ""); }
        if (ok && rowHits > 0) { setOpen(section, true); }
      } else if (table && table.query) {
        table.filter("");
      }
      section.hidden = !ok;
      if (ok) { shown++; }
    });
    if (statusLive) {
      statusLive.textContent = shown + " of " + checks.length + " checks shown" +
        (q ? " for \u201c" + typed + "\u201d" : "");
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll(".controls input[type=checkbox]"), function (box) {
    box.addEventListener("change", apply);
  });
  if (search) {
    var timer = null;
    search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(apply, 150); });
    search.addEventListener("search", apply);
  }
  var reset = document.getElementById("reset-filters");
  if (reset) {
    reset.addEventListener("click", function () {
      Array.prototype.forEach.call(document.querySelectorAll(".controls input[type=checkbox]"), function (box) {
        box.checked = true;
      });
      if (search) { search.value = ""; }
      apply();
    });
  }

  /* ---- copy remediation ---- */
  Array.prototype.forEach.call(document.querySelectorAll("button.copy"), function (btn) {
    btn.addEventListener("click", function () {
      var text = btn.getAttribute("data-copy") || "";
      var note = document.getElementById(btn.getAttribute("aria-describedby"));
      function done(ok) { if (note) { note.textContent = ok ? "Copied" : "Copy failed: select the steps and copy them"; } }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(fallback(text)); });
      } else {
        done(fallback(text));
      }
    });
  });
  function fallback(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }
  apply();
}());
