"""Turn the JSON results of bench/run.py into Markdown tables."""

# Targets of issue 9 (milliseconds, SQLite on the project's machine).
PAGE_TARGETS = {100000: 150, 1000000: 300}
API_PAGE_TARGET = 50
IMPORT_HASHED_TARGET = 10.0  # seconds for 10,000 accounts
CLEAR_RATIO_TARGET = 1.3
UPSTREAM_RATIO_TARGET = 5.0

# Our workload -> upstream's nearest equivalent (same key in its results).
UPSTREAM_EQUIVALENT = {
    "domain list": "domain list",
    "identity list": "identity list",
}


def _size(n):
    return {1000: "1k", 10000: "10k", 100000: "100k", 1000000: "1M"}.get(n, str(n))


def _ms(value):
    if value is None:
        return "–"
    return "%.1f" % value if value < 100 else "%.0f" % value


def _ratio(ours, theirs):
    if not ours or not theirs:
        return "–"
    return "%.1f×" % (theirs / ours)


def _index(results):
    table = {}
    for run in results["runs"]:
        table[(run["engine"], run["mailboxes"], run["flavour"])] = run["results"]
    return table


def _page_target(size):
    return PAGE_TARGETS.get(size)


def markdown(results):
    runs = _index(results)
    engines = sorted({k[0] for k in runs}, key=lambda e: e != "sqlite")
    out = ["# Benchmark results", ""]
    dates = sorted(
        v for r in results["runs"] for v in (r["results"].get("measured") or {}).values()
    )
    if results.get("merged_from") and dates:
        # Several runs merged: say when their sections were measured.
        when = "Measured %s → %s (several runs merged: each section is dated in the last " % (
            dates[0],
            dates[-1],
        )
        when += "table)"
    else:
        when = "Run %s → %s" % (results.get("started"), results.get("finished", "(unfinished)"))
    out.append(
        "%s on %s CPUs, Python %s; upstream modoboa %s from PyPI. "
        "Times are medians over the repetitions (p95 in parentheses), in ms unless "
        "said otherwise; [brackets]: median CPU time of the process serving the request "
        "(with SQLite, the database work included), which the load of the shared machine "
        "barely changes; *q* is the number of SQL queries of the request; "
        "*×* is upstream's time divided by ours."
        % (
            when,
            results["machine"]["cpus"],
            results["machine"]["python"],
            results.get("upstream_version", "(not run)"),
        )
    )
    if results.get("note"):
        out.append("")
        out.append(results["note"])
    out.append("")
    for engine in engines:
        out.append("## %s" % {"sqlite": "SQLite", "postgres": "PostgreSQL"}.get(engine, engine))
        out.append("")
        measured = sorted({k[1] for k in runs if k[0] == engine})
        out += _pages_table(runs, engine, measured)
        out += _api_table(runs, engine, measured)
        out += _import_table(runs, engine, measured)
        out += _lookup_table(runs, engine, measured)
    if results.get("mariadb_explain"):
        out += _mariadb(results["mariadb_explain"], results["settings"].get("mariadb_size"))
    out += _generation(results)
    return "\n".join(out) + "\n"


def _pages_table(runs, engine, sizes):
    out = ["### Console lists (ours) and the upstream API v2 lists its SPA reads", ""]
    out.append(
        "Upstream 2.x has no server-rendered console: its Vue SPA reads `/api/v2/domains/` "
        "(paginated, 50 rows) and `/api/v2/identities/` (the whole list, no pagination, no "
        "search). Those are compared with our domain and identity pages; the quota lists "
        "have no upstream counterpart."
    )
    out.append("")
    header = (
        "| list / page / role | "
        + " | ".join("%s ours (q) | %s upstream | ×" % (_size(s), _size(s)) for s in sizes)
        + " |"
    )
    out.append(header)
    out.append("|" + "---|" * (1 + 3 * len(sizes)))
    keys = []
    for size in sizes:
        for key in (runs.get((engine, size, "ours")) or {}).get("pages", {}):
            if key not in keys:
                keys.append(key)
    for key in keys:
        cells = []
        for size in sizes:
            ours = ((runs.get((engine, size, "ours")) or {}).get("pages") or {}).get(key)
            theirs = ((runs.get((engine, size, "upstream")) or {}).get("pages") or {}).get(key)
            target = _page_target(size) if engine == "sqlite" else None
            if ours:
                flag = ""
                if target and ours["median_ms"] > target:
                    flag = " ❌"
                if ours.get("status") != 200:
                    flag += " HTTP %s" % ours.get("status")
                cpu = ours.get("cpu_median_ms")
                cells.append(
                    "%s (%s)%s %dq%s"
                    % (
                        _ms(ours["median_ms"]),
                        _ms(ours["p95_ms"]),
                        " [%s]" % _ms(cpu) if cpu is not None else "",
                        ours["queries"] or 0,
                        flag,
                    )
                )
            else:
                cells.append("–")
            if theirs and theirs.get("status") != 200:
                cells.append("HTTP %s" % theirs.get("status"))
                theirs = None
            else:
                cells.append(_ms(theirs["median_ms"]) if theirs else "n/a")
            cells.append(_ratio(ours and ours["median_ms"], theirs and theirs["median_ms"]))
        out.append("| %s | %s |" % (key, " | ".join(cells)))
    extra = []
    for size in sizes:
        for key in (runs.get((engine, size, "upstream")) or {}).get("pages") or {}:
            if key not in keys and key not in extra:
                extra.append(key)
    if extra:
        out.append("")
        out.append("Upstream lists without a counterpart page here:")
        out.append("")
        out.append("| upstream list | " + " | ".join(_size(s) for s in sizes) + " |")
        out.append("|" + "---|" * (1 + len(sizes)))
        for key in extra:
            cells = []
            for size in sizes:
                value = ((runs.get((engine, size, "upstream")) or {}).get("pages") or {}).get(key)
                cells.append(
                    "%s (%dq)" % (_ms(value["median_ms"]), value["queries"] or 0) if value else "–"
                )
            out.append("| %s | %s |" % (key, " | ".join(cells)))
    out.append("")
    return out


def _api_table(runs, engine, sizes):
    out = ["### API", ""]
    out.append(
        "Paginated: ours `GET /api/v1/accounts/?page=1` (100 rows); upstream's v1 list has "
        "no pagination, so its `GET /api/v2/accounts/?page=1` (50 rows) is used. Unpaginated: "
        "`GET /api/v1/accounts/` on both, one request, with the peak of Python memory "
        "(tracemalloc) while it runs. POST: `POST /api/v1/accounts/` of a simple user with "
        "a mailbox."
    )
    out.append("")
    out.append(
        "| size | GET page 1 ours (q) | upstream | × | GET all ours | peak MiB | upstream | "
        "peak MiB | × | POST ours (q) | upstream (q) | × |"
    )
    out.append("|" + "---|" * 12)
    for size in sizes:
        ours = (runs.get((engine, size, "ours")) or {}).get("api") or {}
        theirs = (runs.get((engine, size, "upstream")) or {}).get("api") or {}
        page, tpage = ours.get("GET accounts page 1"), theirs.get("GET accounts page 1")
        full, tfull = ours.get("GET accounts unpaginated"), theirs.get("GET accounts unpaginated")
        post, tpost = ours.get("POST account"), theirs.get("POST account")

        def timed(v, with_q=False, target=None, size=size):
            if not v:
                return "–"
            text = "%s (%s)" % (_ms(v["median_ms"]), _ms(v["p95_ms"]))
            if v.get("cpu_median_ms") is not None:
                text += " [%s]" % _ms(v["cpu_median_ms"])
            if with_q:
                text += " %sq" % v.get("queries")
            if target and engine == "sqlite" and size >= 100000 and v["median_ms"] > target:
                text += " ❌"
            return text

        out.append(
            "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |"
            % (
                _size(size),
                timed(page, True, API_PAGE_TARGET),
                timed(tpage),
                _ratio(page and page["median_ms"], tpage and tpage["median_ms"]),
                _ms(full and full["ms"]),
                full["peak_mib"] if full else "–",
                _ms(tfull and tfull["ms"]) if tfull and tfull["status"] == 200 else "–",
                tfull["peak_mib"] if tfull else "–",
                _ratio(full and full["ms"], tfull and tfull["status"] == 200 and tfull["ms"]),
                timed(post, True, API_PAGE_TARGET),
                timed(tpost, True),
                _ratio(post and post["median_ms"], tpost and tpost["median_ms"]),
            )
        )
    out.append("")
    return out


def _per_account(entry):
    if not entry or not entry.get("ok") or not entry.get("accounts"):
        return None
    return entry["seconds"] / entry["accounts"]


def _import_table(runs, engine, sizes):
    out = ["### `modo import`", ""]
    out.append(
        "Seconds for the whole command (a subprocess, start-up included). Upstream imports "
        "fewer accounts (it needs about 30 s per 1,000 pre-hashed accounts), so the ratio "
        "compares the time per account. *ratio* is our clear-password import divided by the "
        "time the hashing alone takes on every core (target ≤ %.1f)." % CLEAR_RATIO_TARGET
    )
    out.append("")
    out.append(
        "| size | pre-hashed ours | upstream | × per account | clear ours | hashing alone | "
        "ratio | clear upstream | × per account |"
    )
    out.append("|" + "---|" * 9)
    for size in sizes:
        ours = (runs.get((engine, size, "ours")) or {}).get("import") or {}
        theirs = (runs.get((engine, size, "upstream")) or {}).get("import") or {}

        def cell(entry):
            if not entry:
                return "–"
            if not entry.get("ok"):
                return "failed"
            return "%.1f s / %d" % (entry["seconds"], entry["accounts"])

        hashing = ours.get("hashing alone")
        clear = ours.get("import clear")
        ratio = "–"
        if hashing and clear and clear.get("ok") and hashing["seconds"]:
            ratio = "%.2f" % (clear["seconds"] / hashing["seconds"])
        out.append(
            "| %s | %s | %s | %s | %s | %s | %s | %s | %s |"
            % (
                _size(size),
                cell(ours.get("import hashed")),
                cell(theirs.get("import hashed")),
                _ratio(
                    _per_account(ours.get("import hashed")),
                    _per_account(theirs.get("import hashed")),
                ),
                cell(clear),
                "%.1f s / %d" % (hashing["seconds"], hashing["accounts"]) if hashing else "–",
                ratio,
                cell(theirs.get("import clear")),
                _ratio(_per_account(clear), _per_account(theirs.get("import clear"))),
            )
        )
    out.append("")
    return out


def _lookup_table(runs, engine, sizes):
    out = ["### Postfix maps and mail-server lookups", ""]
    out.append(
        "`generate_postfix_maps` time, then each query Postfix (our generated maps; "
        "upstream's own maps on its side) and Dovecot (the seed's queries) run, with "
        "`%s`/`%u`/`%d` substituted: lookups per second over 2,000 distinct keys and whether "
        "the plan uses indexes only (✅) or scans a table (❌)."
        + (
            " The plan is the one PostgreSQL makes with `enable_seqscan = off`, after "
            "`ANALYZE`: on a table of a few rows it rightly prefers a scan, which says "
            "nothing of the same table with millions of rows; a scan that remains has no "
            "index to replace it, and neither has an index read whole (no index "
            "condition, marked *whole index*), except on an empty table, which the "
            "planner rightly reads first (the plan it picks by itself is in the JSON, "
            "`natural_plan`)."
            if engine == "postgres"
            else ""
        )
    )
    out.append("")
    out.append("| size | generate_postfix_maps ours | upstream | × |")
    out.append("|---|---|---|---|")
    for size in sizes:
        ours = (runs.get((engine, size, "ours")) or {}).get("generate_postfix_maps")
        theirs = (runs.get((engine, size, "upstream")) or {}).get("generate_postfix_maps")
        out.append(
            "| %s | %s | %s | %s |"
            % (
                _size(size),
                _ms(ours and ours["ms"]),
                _ms(theirs and theirs["ms"]),
                _ratio(ours and ours["ms"], theirs and theirs["ms"]),
            )
        )
    out.append("")
    names = []
    for flavour in ("ours", "upstream"):
        for size in sizes:
            for name in (runs.get((engine, size, flavour)) or {}).get("lookups") or {}:
                if (flavour, name) not in names:
                    names.append((flavour, name))
    out.append(
        "| query | "
        + " | ".join("%s /s" % _size(s) for s in sizes)
        + " | plan at %s |" % _size(sizes[-1])
    )
    out.append("|" + "---|" * (2 + len(sizes)))
    for flavour, name in names:
        cells = []
        plan = ""
        for size in sizes:
            entry = ((runs.get((engine, size, flavour)) or {}).get("lookups") or {}).get(name)
            if entry and entry.get("error"):
                cells.append("fails on this engine")
                plan = "error: " + entry["error"]
            elif entry:
                cells.append(
                    "%s %s"
                    % (entry.get("per_second", "–"), "✅" if entry["index_backed"] else "❌")
                )
                plan = entry["plan"]
            else:
                cells.append("–")
        out.append(
            "| %s %s | %s | `%s` |"
            % (flavour, name, " | ".join(cells), plan.replace("|", "/")[:300])
        )
    out.append("")
    return out


def _mariadb(explain, size):
    out = ["## MariaDB: plans of the mail-server lookups (%s mailboxes)" % size, ""]
    out.append(
        "After `ANALYZE TABLE`, with `max_seeks_for_key = 1` so that MariaDB prefers an "
        "index to reading a small table whole: a full scan that remains (`ALL`, or "
        "`index`: the whole index) has no index to replace it. *Impossible WHERE noticed "
        "after reading const tables*: the unique index found no row for the key."
    )
    out.append("")
    out.append("| query | index-backed | plan (table:access type(key)) |")
    out.append("|---|---|---|")
    for flavour, data in explain.items():
        if "error" in data:
            out.append(
                "| %s | error | `%s` |" % (flavour, data["error"][-200:].replace("\n", " "))
            )
            continue
        for name, entry in (data.get("lookups") or {}).items():
            out.append(
                "| %s %s | %s | `%s` |"
                % (flavour, name, "✅" if entry["index_backed"] else "❌", entry["plan"][:300])
            )
    out.append("")
    return out


def _generation(results):
    out = ["## Generated data", ""]
    out.append(
        "*load* is the machine's 1-minute load average before and after the workloads "
        "(2 cores, shared with other developers' test runs)."
    )
    out.append("")
    out.append(
        "*measured* dates each workload section (runs merged with `--merge` keep the "
        "sections they did not redo)."
    )
    out.append("")
    out.append("| engine | flavour | mailboxes | seconds | load | measured | rows |")
    out.append("|---|---|---|---|---|---|---|")
    for run in sorted(
        results["runs"], key=lambda r: (r["engine"] != "sqlite", r["mailboxes"], r["flavour"])
    ):
        generation = run.get("generation") or {}
        rows = generation.get("rows") or {}
        measured = run["results"].get("measured") or {}
        notes = ", ".join("%s %s" % (k, v[11:16]) for k, v in sorted(measured.items()))
        for problem in ("timed_out", "error"):
            if run["results"].get(problem):
                notes += "; **%s**: %s" % (
                    problem.replace("_", " "),
                    run["results"][problem][-200:].replace("\n", " ").replace("|", "/"),
                )
        out.append(
            "| %s | %s | %s | %s%s | %s | %s | %s |"
            % (
                run["engine"],
                run["flavour"],
                _size(run["mailboxes"]),
                generation.get("seconds"),
                " (cached)" if generation.get("cached") else "",
                "→".join(str(x) for x in (run["results"].get("load_average") or [])),
                notes,
                ", ".join("%s %d" % (k, v) for k, v in sorted(rows.items())),
            )
        )
    out.append("")
    return out
