"""The benchmarks behind the README's "Performance" section (`make bench`).

For each database (SQLite file, and PostgreSQL when the server answers: a dedicated database is
created, then dropped) and each data set (the demo, and the scale built by bench.generate):
- list pages through the whole HTTP stack of the Flask test client, logged in through the login
  form: a number of warm-up requests, then `--requests` timed ones (median and 95th percentile);
- the SQL statements each page sends (a before_cursor_execute listener): the same number on the
  demo and at scale, since related rows are loaded per page and never per row;
- the Word export of the largest register (`--big-register` activities at scale): its time, and
  its peak Python memory measured apart with tracemalloc (which slows what it traces).

    python -m bench.run [--organisations N] [--activities M] [--big-register K]
                        [--requests R] [--databases sqlite,postgresql] [--output FILE]

The defaults (1 000 organisations of 50 activities, 15 requests a page) keep a whole run near
ten minutes on a 2-core machine; `--activities 100 --requests 20 --warmup 3 --max-seconds 6
--export-runs 3` is the design's national scale, as measured in the README.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from bench import floor, generate

POSTGRES_URL = os.environ.get(
    "COMPLIANCE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REGISTER_PER_PAGE = 25  # registers/processing/views/activities.py: index and register pages
API_PER_PAGE = 50  # compliance/api.py: page_args() default
APPLICATION_SEARCH = "gestion"
INCIDENT_SEARCH = generate.INCIDENT_SEARCH
SLOW = 1.0  # seconds: a page this slow gets one warm-up request


# --- one measured page ---------------------------------------------------------------------------


@dataclass
class Page:
    key: str  # the row of the report, across data sets
    who: str  # "dpo" or "referent"
    url: str
    api: bool = False


@dataclass
class Result:
    median_ms: float
    p95_ms: float
    runs: int
    queries: tuple[int, int]  # fewest and most statements per request
    size: int

    def cell(self, full_runs: int) -> str:
        low, high = self.queries
        queries = f"{low}" if low == high else f"{low}–{high}"
        runs = "" if self.runs >= full_runs else f" (n={self.runs})"
        return f"{self.median_ms:.0f} / {self.p95_ms:.0f} ms · {queries} q{runs}"


EXPORT_RATIO_TARGET = 2.0  # the Word register: at most twice its floor (bench/floor.py)
EXPORT_PEAK_TARGET_MIB = 60.0  # and at most this much peak Python memory


@dataclass
class Export:
    activities: int
    median_s: float
    runs: int
    peak_mib: float
    size_kib: float
    queries: int
    floor_s: float = math.nan  # median of the floor's runs, measured in the same run
    floor_kib: float = math.nan

    @property
    def ratio(self) -> float:
        return self.median_s / self.floor_s if self.floor_s else math.nan

    @property
    def ratio_met(self) -> bool:
        return self.ratio <= EXPORT_RATIO_TARGET

    @property
    def peak_met(self) -> bool:
        return self.peak_mib <= EXPORT_PEAK_TARGET_MIB

    def figures(self) -> dict:
        """The export's figures for a summary of the targets."""
        return {
            "activities": self.activities,
            "time_s": self.median_s,
            "floor_s": self.floor_s,
            "ratio": self.ratio,
            "ratio_target": EXPORT_RATIO_TARGET,
            "ratio_met": self.ratio_met,
            "peak_mib": self.peak_mib,
            "peak_target_mib": EXPORT_PEAK_TARGET_MIB,
            "peak_met": self.peak_met,
            "statements": self.queries,
        }

    def summary(self) -> str:
        return (
            f"Word register of {self.activities} activities: {self.median_s:.2f} s, floor "
            f"{self.floor_s:.2f} s, ratio {self.ratio:.1f}× (target ≤ {EXPORT_RATIO_TARGET:g}×: "
            f"{_met(self.ratio_met)}), peak {self.peak_mib:.0f} MiB (target ≤ "
            f"{EXPORT_PEAK_TARGET_MIB:g} MiB: {_met(self.peak_met)}), {self.queries} SQL"
        )


def _met(met: bool) -> str:
    return "met" if met else "not met"


@dataclass
class Report:
    database: str
    dataset: generate.Dataset
    pages: dict[str, Result | Failure] = field(default_factory=dict)
    export: Export | None = None


class PageError(RuntimeError):
    """A page answered something else than 200."""


@dataclass
class Failure:
    message: str

    def cell(self, _full_runs: int) -> str:
        return f"failed: {self.message}"


class QueryCounter:
    def __init__(self, engine: sa.Engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args) -> None:
        self.count += 1


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = max(0, math.ceil(fraction * len(ordered)) - 1)
    return ordered[index]


class Browser:
    """A logged-in user of the application, through the Flask test client."""

    def __init__(self, app, email: str, password: str, token: str | None = None):
        self.client = app.test_client()
        self.token = token
        page = self.client.get("/login")
        response = self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": _csrf(page)}
        )
        if response.status_code != 302:
            raise RuntimeError(f"login of {email} failed: {response.status_code}")

    def get(self, url: str, *, api: bool = False):
        headers = {"Authorization": f"Bearer {self.token}"} if api else None
        return self.client.get(url, headers=headers)


def _csrf(response) -> str:
    match = CSRF.search(response.get_data(as_text=True))
    if match is None:
        raise RuntimeError(f"no CSRF token in {response.request.path}")
    return match.group(1)


def measure(browser: Browser, counter: QueryCounter, page: Page, options) -> Result:
    for _ in range(options.warmup):
        started = time.perf_counter()
        _get(browser, page)
        if time.perf_counter() - started > SLOW:  # one warm-up is enough for a slow page
            break
    times, queries, size = [], [], 0
    deadline = time.perf_counter() + options.max_seconds
    while len(times) < options.requests:
        before = counter.count
        started = time.perf_counter()
        response = _get(browser, page)
        times.append(time.perf_counter() - started)
        queries.append(counter.count - before)
        size = len(response.data)
        if len(times) >= options.min_requests and time.perf_counter() > deadline:
            break
    return Result(
        median_ms=statistics.median(times) * 1000,
        p95_ms=percentile(times, 0.95) * 1000,
        runs=len(times),
        queries=(min(queries), max(queries)),
        size=size,
    )


def _get(browser: Browser, page: Page):
    response = browser.get(page.url, api=page.api)
    if response.status_code != 200:
        raise PageError(f"HTTP {response.status_code}")
    return response


# --- what is measured ----------------------------------------------------------------------------


def labels(search: str) -> dict[str, str]:
    """Page key -> its row label in the report, in the report's order."""
    return {
        "processing-index-1": "Processing: organisations, page 1",
        "processing-index-mid": "Processing: organisations, middle page",
        "processing-register-1": "Processing: one register, page 1",
        "processing-register-mid": "Processing: one register, middle page",
        "processing-register-q": f"Processing: one register, search '{search}'",
        "processing-big-register-1": "Processing: the largest register, page 1",
        "processing-api-1": "Processing API: all activities, page 1",
        "processing-api-mid": "Processing API: all activities, middle page",
        "processing-api-q": f"Processing API: all activities, search '{search}'",
        "applications-1": "Applications: list, page 1",
        "applications-q": f"Applications: list, search '{APPLICATION_SEARCH}'",
        "applications-map": "Applications: map",
        "applications-detail": "Applications: the most deployed one",
        "dashboard": "Dashboard",
        "incidents-1": "Incidents: list, page 1",
        "incidents-q": f"Incidents: search '{INCIDENT_SEARCH}' (encrypted text)",
        "actions-1": "Corrective actions: list, page 1",
        "breaches-1": "Breaches: list, page 1",
        "roadmap-1": "Roadmap: list",
    }


def _pages(app, dataset: generate.Dataset) -> list[Page]:
    """The pages, with their middle page numbers worked out from the data."""
    from compliance.db import get_session
    from compliance.tenancy import Organisation
    from registers.applications.models import Deployment
    from registers.processing.models import ProcessingActivity

    with app.app_context():
        session = get_session()
        live = sa.and_(
            ProcessingActivity.is_model.is_(False), ProcessingActivity.status != "archived"
        )
        organisations = session.scalar(sa.select(sa.func.count(Organisation.id)))
        register_count = session.scalar(
            sa.select(sa.func.count(ProcessingActivity.id))
            .join(Organisation, Organisation.id == ProcessingActivity.organisation_id)
            .where(live, Organisation.slug == dataset.register_slug)
        )
        everything = session.scalar(sa.select(sa.func.count(ProcessingActivity.id)).where(live))
        busiest = session.scalar(
            sa.select(Deployment.application_id)
            .group_by(Deployment.application_id)
            .order_by(sa.func.count().desc(), Deployment.application_id)
            .limit(1)
        )
    q = dataset.search
    register = f"/processing/registers/{dataset.register_slug}/"
    api = "/api/v1/processing-activities"
    urls = {
        "processing-index-1": "/processing/",
        "processing-index-mid": f"/processing/?page={_middle(organisations, REGISTER_PER_PAGE)}",
        "processing-register-1": register,
        "processing-register-mid": f"{register}?page={_middle(register_count, REGISTER_PER_PAGE)}",
        "processing-register-q": f"{register}?q={q}",
        "processing-big-register-1": f"/processing/registers/{dataset.export_slug}/",
        "processing-api-1": api,
        "processing-api-mid": f"{api}?page={_middle(everything, API_PER_PAGE)}",
        "processing-api-q": f"{api}?q={q}",
        "applications-1": "/applications/",
        "applications-q": f"/applications/?q={APPLICATION_SEARCH}",
        "applications-map": "/applications/map",
        "applications-detail": f"/applications/{busiest}",
        "dashboard": "/",
        "incidents-1": "/incidents/",
        "incidents-q": f"/incidents/?q={INCIDENT_SEARCH}",
        "actions-1": "/incidents/actions/",
        "breaches-1": "/breaches/",
        "roadmap-1": "/roadmap/",
    }
    referent = {
        "processing-register-1",
        "processing-register-mid",
        "processing-register-q",
        "applications-1",
        "applications-map",
        "dashboard",
        "incidents-1",
        "incidents-q",
        "actions-1",
        "breaches-1",
        "roadmap-1",
    }
    pages = [Page(key, "dpo", url, key.startswith("processing-api")) for key, url in urls.items()]
    pages += [Page(key, "referent", url) for key, url in urls.items() if key in referent]
    return pages


def _middle(count: int, per_page: int) -> int:
    pages = max(1, math.ceil(count / per_page))
    return (pages + 1) // 2


def measure_dataset(database: str, dataset: generate.Dataset, options, log) -> Report:
    app = generate.make_app(dataset.url, dataset.instance)
    engine = app.extensions["db"].engine
    counter = QueryCounter(engine)
    report = Report(database, dataset)
    try:
        browsers = {
            "dpo": Browser(app, dataset.dpo_email, dataset.password, dataset.api_token),
            "referent": Browser(app, dataset.referent_email, dataset.password),
        }
        for page in _pages(app, dataset):
            try:
                result = measure(browsers[page.who], counter, page, options)
            except PageError as error:  # reported in its cell; the other pages go on
                result = Failure(str(error))
            report.pages[f"{page.key}:{page.who}"] = result
            label = labels(dataset.search)[page.key]
            log(f"    {label} ({page.who}): {result.cell(options.requests)}")
        report.export = measure_export(browsers["dpo"], counter, dataset, options)
        log(f"    {report.export.summary()}")
    finally:
        engine.dispose()
    return report


def measure_export(browser: Browser, counter: QueryCounter, dataset, options) -> Export:
    url = f"/processing/registers/{dataset.export_slug}/export"

    def post():
        token = _csrf(browser.get(f"/processing/registers/{dataset.export_slug}/"))
        before = counter.count
        started = time.perf_counter()
        response = browser.client.post(url, data={"csrf_token": token})
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return elapsed, counter.count - before, len(response.data)

    post()  # warm-up: templates and imports
    runs, floors = [], []
    for _ in range(options.export_runs):  # the export and its floor in turns, same conditions
        runs.append(post())
        floors.append(measure_floor(browser.client.application, dataset.export_slug))
    tracemalloc.start()
    try:
        post()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return Export(
        activities=dataset.export_activities,
        median_s=statistics.median(r[0] for r in runs),
        runs=len(runs),
        peak_mib=peak / 2**20,
        size_kib=runs[-1][2] / 1024,
        queries=runs[-1][1],
        floor_s=statistics.median(f[0] for f in floors),
        floor_kib=floors[-1][1] / 1024,
    )


def measure_floor(app, slug: str) -> tuple[float, int]:
    """(seconds, size) of bench/floor.py writing the same register: the same snapshot read from
    the database in a fresh session, then raw WordprocessingML."""
    from compliance.db import get_session
    from compliance.tenancy import Organisation

    with app.app_context():
        session = get_session()
        try:
            organisation = session.scalar(sa.select(Organisation).where(Organisation.slug == slug))
            elapsed, data = floor.measure_floor(session, organisation)
        finally:
            session.rollback()
    return elapsed, len(data)


# --- databases -----------------------------------------------------------------------------------


@contextmanager
def sqlite_database(folder: Path, name: str) -> Iterator[str]:
    path = folder / f"{name}.db"
    yield f"sqlite:///{path}"


@contextmanager
def postgres_database(admin_url: str, keep: bool) -> Iterator[str]:
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"registre_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def postgres_available(admin_url: str) -> str | None:
    """None when the server answers, else why not."""
    engine = sa.create_engine(admin_url)
    try:
        with engine.connect():
            return None
    except sa.exc.OperationalError as error:
        return str(error.orig).strip().splitlines()[0]
    finally:
        engine.dispose()


def run(options, log) -> list[Report]:
    reports = []
    folder = Path(tempfile.mkdtemp(prefix="registre-bench-"))
    databases = [d.strip() for d in options.databases.split(",") if d.strip()]
    try:
        for database in databases:
            if database == "postgresql":
                why = postgres_available(options.postgres_url)
                if why:
                    log(f"PostgreSQL skipped: {why}")
                    continue
            for kind in ("demo", "scale"):
                if kind == "demo" and options.skip_demo:
                    continue
                reports.append(_one(database, kind, folder, options, log))
    finally:
        if options.keep:
            log(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return reports


def _one(database: str, kind: str, folder: Path, options, log) -> Report:
    instance = str(folder / f"instance-{database}-{kind}")
    if database == "sqlite":
        context = sqlite_database(folder, f"{kind}")
    else:
        context = postgres_database(options.postgres_url, options.keep)
    with context as url:
        log(f"{database}, {kind}: building")
        if kind == "demo":
            dataset = generate.demo(url, instance=instance, log=log)
        else:
            dataset = generate.generate(
                url,
                organisations=options.organisations,
                activities=options.activities,
                big_register=options.big_register,
                incidents=options.incidents,
                seed=options.seed,
                instance=instance,
                log=log,
            )
        log(
            f"  {dataset.activities} activities, {dataset.organisations} organisations, "
            f"built in {dataset.timings['generate']:.0f} s; measuring"
        )
        return measure_dataset(database, dataset, options, log)


# --- the report ---------------------------------------------------------------------------------

DATABASE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
WHO = {"dpo": "national DPO", "referent": "referent"}


def markdown(reports: list[Report], options, started: float, loads: tuple) -> str:
    columns = [(r, f"{DATABASE_NAMES[r.database]} {r.dataset.label}") for r in reports]
    lines = [
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}; load average "
        f"{loads[0]:.1f} at the start, {loads[1]:.1f} at the end; "
        f"{time.perf_counter() - started:.0f} s in all.",
        "",
        "Data sets: "
        + "; ".join(
            f"{name}: {r.dataset.organisations} organisations, {r.dataset.activities} "
            f"activities, {r.dataset.incidents} incidents "
            f"(built in {r.dataset.timings['generate']:.0f} s)"
            for r, name in columns
        )
        + ".",
        "",
        f"Each cell: median / 95th percentile of {options.requests} requests after "
        f"{options.warmup} warm-up ones (n=: fewer, at least {options.min_requests}, when a page "
        f"takes over {options.max_seconds:.0f} s in all), and the SQL statements per request.",
        "",
        "| page | user | " + " | ".join(name for _r, name in columns) + " |",
        "| --- | --- | " + " | ".join("---" for _ in columns) + " |",
    ]
    names = labels(reports[0].dataset.search if reports else generate.SEARCH)
    for key, label in names.items():
        for who in ("dpo", "referent"):
            row = f"{key}:{who}"
            if not any(row in r.pages for r in reports):
                continue
            cells = [
                r.pages[row].cell(options.requests) if row in r.pages else ""
                for r, _name in columns
            ]
            lines.append(f"| {label} | {WHO[who]} | " + " | ".join(cells) + " |")
    lines += ["", *export_table(columns)]
    return "\n".join(lines) + "\n"


def export_table(columns) -> list[str]:
    """The Word register's rows: its time next to its floor's, the ratio and the peak memory
    against their targets."""
    lines = [
        f"Word register: median of the runs, next to its floor (bench/floor.py, the same content "
        f"as raw WordprocessingML) measured in the same run; targets ≤ {EXPORT_RATIO_TARGET:g}× "
        f"the floor and ≤ {EXPORT_PEAK_TARGET_MIB:g} MiB of peak Python memory.",
        "",
        "| Word register | activities | time (median) | floor | export / floor "
        "| peak Python memory | size | SQL |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for report, name in columns:
        export = report.export
        if export is None:
            continue
        lines.append(
            f"| {name} | {export.activities} | {export.median_s:.2f} s ({export.runs} runs) "
            f"| {export.floor_s:.2f} s | {export.ratio:.1f}× ({_met(export.ratio_met)}) "
            f"| {export.peak_mib:.0f} MiB ({_met(export.peak_met)}) "
            f"| {export.size_kib:.0f} KiB (floor {export.floor_kib:.0f} KiB) | {export.queries} |"
        )
    return lines


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--organisations", type=int, default=1000)
    parser.add_argument("--activities", type=int, default=50, help="per organisation")
    parser.add_argument("--big-register", type=int, default=500, help="Word export's activities")
    parser.add_argument("--incidents", type=int, default=5, help="per organisation")
    parser.add_argument("--requests", type=int, default=15, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--min-requests", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=5, help="per page, then stop early")
    parser.add_argument("--export-runs", type=int, default=2)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url", default=POSTGRES_URL, help="a server that may CREATE DATABASE"
    )
    parser.add_argument("--skip-demo", action="store_true", help="measure the scaled data only")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--output", help="also write the Markdown report to this file")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    started = time.perf_counter()
    load_start = os.getloadavg()[0]

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    reports = run(options, log)
    text = markdown(reports, options, started, (load_start, os.getloadavg()[0]))
    print(text)
    if options.output:
        Path(options.output).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
