// ferrocov HTML report: sorting (remembered), filtering with live totals, keyboard navigation,
// markers beside the scrollbar. No network, no libraries.
"use strict";

// coverage.py's display of a percentage: never 0 or 100 unless it is exactly that.
function displayCovered(covered, possible, precision) {
    if (possible === 0) { return (100).toFixed(precision); }
    let pc = 100 * covered / possible;
    const near0 = 1 / Math.pow(10, precision);
    if (pc > 0 && pc < near0) { pc = near0; }
    else if (pc > 100 - near0 && pc < 100) { pc = 100 - near0; }
    return pc.toFixed(precision);
}

function remember(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* file:// may refuse */ }
}

function recall(key) {
    try { return JSON.parse(localStorage.getItem(key)); } catch (e) { return null; }
}

function setupIndex() {
    const table = document.getElementById("index");
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    const filter = document.getElementById("filter");
    const hideCovered = document.getElementById("hide-covered");
    // The sortable headers in the order of the columns they head (keys 1-9, 0 follow it).
    const headers = Array.from(table.tHead.querySelectorAll("th[data-sort]"))
        .sort((a, b) => Number(a.dataset.column) - Number(b.dataset.column));
    const precision = Number(document.body.dataset.precision || 0);
    const sortKey = "ferrocov-sort-" + table.dataset.kind;
    const at = {};
    for (const name of ["statements", "missing", "excluded", "branches", "partial"]) {
        const header = table.tHead.querySelector(`th[data-sums="${name}"]`);
        at[name] = header ? Number(header.dataset.column) : -1;
    }

    function value(row, index) { return index < 0 ? 0 : Number(row.cells[index].dataset.value); }

    function refresh() {
        const text = filter.value.toLowerCase();
        const sums = {statements: 0, missing: 0, excluded: 0, branches: 0, partial: 0, missingBranches: 0};
        let shown = 0;
        for (const row of rows) {
            const names = Array.from(row.querySelectorAll("td.name")).map((c) => c.dataset.value.toLowerCase()).join(" ");
            const hidden = (text && !names.includes(text)) || (hideCovered.checked && row.dataset.covered === "yes");
            row.classList.toggle("hidden", hidden);
            if (!hidden) {
                shown += 1;
                sums.statements += value(row, at.statements);
                sums.missing += value(row, at.missing);
                sums.excluded += value(row, at.excluded);
                sums.branches += value(row, at.branches);
                sums.partial += value(row, at.partial);
                sums.missingBranches += Number(row.dataset.missingBranches || 0);
            }
        }
        const executed = sums.statements - sums.missing;
        const takenBranches = sums.branches - sums.missingBranches;
        const totals = {
            "statements": sums.statements, "missing": sums.missing, "excluded": sums.excluded,
            "statements-cover": displayCovered(executed, sums.statements, precision) + "%",
            "branches": sums.branches, "partial": sums.partial,
            "branches-cover": displayCovered(takenBranches, sums.branches, precision) + "%",
            "cover": displayCovered(executed + takenBranches, sums.statements + sums.branches, precision) + "%",
        };
        for (const cell of table.tFoot.querySelectorAll("td[data-total]")) {
            cell.textContent = totals[cell.dataset.total];
        }
        const pc = document.querySelector("h1 .pc_cov");
        if (pc) { pc.textContent = totals.cover; }
        document.getElementById("no-rows").hidden = shown !== 0;
    }

    function sortBy(index, ascending) {
        const header = headers[index];
        if (!header) { return; }
        if (ascending === undefined) { ascending = header.getAttribute("aria-sort") !== "ascending"; }
        for (const h of headers) { h.removeAttribute("aria-sort"); }
        header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const numeric = header.dataset.sort === "number";
        const cell = Number(header.dataset.column);
        rows.sort((a, b) => {
            const x = a.cells[cell].dataset.value, y = b.cells[cell].dataset.value;
            const order = numeric ? Number(x) - Number(y) : x.localeCompare(y, undefined, {numeric: true});
            return ascending ? order : -order;
        });
        for (const row of rows) { body.appendChild(row); }
        remember(sortKey, [index, ascending]);
    }

    headers.forEach((header, index) => header.addEventListener("click", () => sortBy(index)));
    filter.addEventListener("input", refresh);
    hideCovered.addEventListener("change", refresh);
    const tabs = {f: "index.html", u: "function_index.html", c: "class_index.html"};
    document.addEventListener("keydown", (event) => {
        if (event.target === filter) {
            if (event.key === "Escape") { filter.value = ""; filter.blur(); refresh(); }
            return;
        }
        if (event.ctrlKey || event.metaKey || event.altKey) { return; }
        if (event.key === "/") { event.preventDefault(); filter.focus(); }
        else if (event.key >= "0" && event.key <= "9") {
            const index = event.key === "0" ? 9 : Number(event.key) - 1;
            sortBy(index);
        }
        else if (event.key === "h") { hideCovered.checked = !hideCovered.checked; refresh(); }
        else if (tabs[event.key]) { window.location.href = tabs[event.key]; }
    });
    const saved = recall(sortKey);
    if (Array.isArray(saved) && saved.length === 2 && headers[saved[0]]) { sortBy(saved[0], Boolean(saved[1])); }
    refresh();
}

function setupFile() {
    const body = document.body;
    const toggles = Array.from(document.querySelectorAll("button.toggle"));
    for (const button of toggles) {
        body.classList.add("show-" + button.dataset.kind);
        button.addEventListener("click", () => toggle(button.dataset.kind));
    }
    function toggle(kind) {
        const button = document.querySelector("button.toggle." + kind);
        if (!button) { return; }
        const on = !body.classList.contains("show-" + kind);
        body.classList.toggle("show-" + kind, on);
        button.classList.toggle("on", on);
        button.setAttribute("aria-pressed", String(on));
    }
    const notable = Array.from(document.querySelectorAll("tr.mis, tr.par"));
    let current = -1;
    function jump(step) {
        if (notable.length === 0) { return; }
        current = (current + step + notable.length) % notable.length;
        const row = notable[current];
        row.scrollIntoView({block: "center"});
        history.replaceState(null, "", "#" + row.id);
    }
    function follow(id) {
        const link = document.getElementById(id);
        if (link) { link.click(); }
    }
    document.addEventListener("keydown", (event) => {
        if (event.ctrlKey || event.metaKey || event.altKey) { return; }
        if (event.key === "j") { jump(1); }
        else if (event.key === "k") { jump(-1); }
        else if (event.key === "r") { toggle("run"); }
        else if (event.key === "m") { toggle("mis"); }
        else if (event.key === "x") { toggle("exc"); }
        else if (event.key === "p") { toggle("par"); }
        else if (event.key === "i") { follow("index-link"); }
        else if (event.key === "[") { follow("prev-link"); }
        else if (event.key === "]") { follow("next-link"); }
    });
    // Markers beside the scrollbar: where the missing and partial lines are in the page.
    const markers = document.getElementById("markers");
    const table = document.querySelector("table.code");
    if (markers && table && notable.length) {
        const height = table.offsetHeight || 1;
        for (const row of notable) {
            const mark = document.createElement("span");
            mark.className = row.classList.contains("mis") ? "mis" : "par";
            mark.style.top = (100 * row.offsetTop / height) + "%";
            mark.title = "line " + row.id.slice(1);
            mark.addEventListener("click", () => { row.scrollIntoView({block: "center"}); history.replaceState(null, "", "#" + row.id); });
            markers.appendChild(mark);
        }
    }
}

document.addEventListener("DOMContentLoaded", () => {
    const help = document.getElementById("help");
    const helpButton = document.getElementById("help-button");
    if (help && helpButton) {
        const toggleHelp = () => {
            help.hidden = !help.hidden;
            helpButton.setAttribute("aria-expanded", String(!help.hidden));
        };
        helpButton.addEventListener("click", toggleHelp);
        document.addEventListener("keydown", (event) => {
            if (event.key === "?" && event.target.tagName !== "INPUT") { toggleHelp(); }
        });
    }
    const page = document.body.dataset.page;
    if (page === "index") { setupIndex(); } else if (page === "file") { setupFile(); }
});
