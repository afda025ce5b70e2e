// ferrocov HTML report: sorting, filtering and keyboard navigation. No network, no libraries.
"use strict";

function displayCovered(executed, statements) {
    if (statements === 0) { return "100"; }
    const pc = 100 * executed / statements;
    if (pc > 0 && pc < 1) { return "1"; }
    if (pc > 99 && pc < 100) { return "99"; }
    return String(Math.round(pc));
}

function setupIndex() {
    const table = document.getElementById("files");
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    const filter = document.getElementById("filter");
    const hideCovered = document.getElementById("hide-covered");
    const headers = Array.from(table.tHead.rows[0].cells);

    function refresh() {
        const text = filter.value.toLowerCase();
        let statements = 0, missing = 0, excluded = 0, shown = 0, covered = 0, possible = 0;
        for (const row of rows) {
            const name = row.cells[0].dataset.value.toLowerCase();
            const hidden = (text && !name.includes(text)) || (hideCovered.checked && row.dataset.covered === "yes");
            row.classList.toggle("hidden", hidden);
            if (!hidden) {
                shown += 1;
                statements += Number(row.cells[1].dataset.value);
                missing += Number(row.cells[2].dataset.value);
                excluded += Number(row.cells[3].dataset.value);
                const ratio = row.cells[row.cells.length - 1].dataset.ratio.split(" ");
                covered += Number(ratio[0]);
                possible += Number(ratio[1]);
            }
        }
        document.getElementById("total-statements").textContent = statements;
        document.getElementById("total-missing").textContent = missing;
        document.getElementById("total-excluded").textContent = excluded;
        document.getElementById("total-cover").textContent = displayCovered(covered, possible) + "%";
        document.getElementById("no-rows").hidden = shown !== 0;
    }

    function sortBy(index) {
        const header = headers[index];
        const ascending = header.getAttribute("aria-sort") !== "ascending";
        for (const h of headers) { h.removeAttribute("aria-sort"); }
        header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const numeric = header.dataset.sort === "number";
        rows.sort((a, b) => {
            const x = a.cells[index].dataset.value, y = b.cells[index].dataset.value;
            const order = numeric ? Number(x) - Number(y) : x.localeCompare(y, undefined, {numeric: true});
            return ascending ? order : -order;
        });
        for (const row of rows) { body.appendChild(row); }
        try { localStorage.setItem("ferrocov-sort", JSON.stringify([index, ascending])); } catch (e) { /* file:// may refuse */ }
    }

    headers.forEach((header, index) => header.addEventListener("click", () => sortBy(index)));
    filter.addEventListener("input", refresh);
    hideCovered.addEventListener("change", refresh);
    document.addEventListener("keydown", (event) => {
        if (event.target === filter) {
            if (event.key === "Escape") { filter.value = ""; filter.blur(); refresh(); }
            return;
        }
        if (event.key === "/") { event.preventDefault(); filter.focus(); }
        else if (event.key >= "1" && event.key <= "5") { sortBy(Number(event.key) - 1); }
        else if (event.key === "h") { hideCovered.checked = !hideCovered.checked; refresh(); }
    });
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
        const on = !body.classList.contains("show-" + kind);
        body.classList.toggle("show-" + kind, on);
        button.classList.toggle("on", on);
        button.setAttribute("aria-pressed", String(on));
    }
    const missing = Array.from(document.querySelectorAll("tr.mis"));
    let current = -1;
    function jump(step) {
        if (missing.length === 0) { return; }
        current = (current + step + missing.length) % missing.length;
        const row = missing[current];
        row.scrollIntoView({block: "center"});
        history.replaceState(null, "", "#" + row.id);
    }
    document.addEventListener("keydown", (event) => {
        if (event.key === "j") { jump(1); }
        else if (event.key === "k") { jump(-1); }
        else if (event.key === "r") { toggle("run"); }
        else if (event.key === "m") { toggle("mis"); }
        else if (event.key === "x") { toggle("exc"); }
        else if (event.key === "i") { document.getElementById("index-link").click(); }
    });
}

document.addEventListener("DOMContentLoaded", () => {
    const help = document.getElementById("help");
    const helpButton = document.getElementById("help-button");
    function toggleHelp() {
        help.hidden = !help.hidden;
        helpButton.setAttribute("aria-expanded", String(!help.hidden));
    }
    helpButton.addEventListener("click", toggleHelp);
    document.addEventListener("keydown", (event) => {
        if (event.key === "?" && event.target.tagName !== "INPUT") { toggleHelp(); }
    });
    if (document.body.dataset.page === "index") { setupIndex(); } else { setupFile(); }
});
