"""The benchmarks behind the README's "Performance" section (`make bench`): the targets of the
performance work, measured.

For each database engine (an SQLite file, and PostgreSQL when the server answers: dedicated
databases are created, then dropped), three data sets built by bench.generate:
- the national scale (`--organisations` × `--activities`, 1 000 × 100, plus a register of
  `--big-register` activities for the Word export): every page of the table, for the national
  DPO and a referent, through the whole HTTP stack of the Flask test client (logged in through
  the login form), a warm-up request then `--requests` timed ones (median and 95th percentile),
  and the SQL statements each sends (a before_cursor_execute listener); the API list's first,
  middle and last pages of 100 rows (the middle and last ones reached through the `next`
  cursor of the answers when the API gives one, else by `page=`); its page 1 of 10 rows; the
  search `paie`, the request and its SQL alone; the Word export of the largest register;
- a tenth of it (`--small-organisations`, 100 × 100): the same pages, once or twice each, for
  their SQL statements, which must be the same at both sizes;
- about 1 000 activities (`--base-organisations` × `--activities`): the API's page 1 of 10 rows,
  against which the large size's is compared.

The report (Markdown, on stdout and in `--output`) ends with the targets table: each target with
its figure, its limit, the ratio and whether it is met.

    python -m bench.run [--organisations N] [--activities M] [--small-organisations S]
                        [--requests R] [--databases sqlite,postgresql] [--output FILE]
"""

from __future__ import annotations

import argparse
import base64
import json
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
from urllib.parse import parse_qsl, urlencode, urlsplit

import sqlalchemy as sa
from sqlalchemy import event

from bench import floor, generate, targets
from compliance.heap import settle

POSTGRES_URL = os.environ.get(
    "COMPLIANCE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
REGISTER_PER_PAGE = 25  # registers/processing/views/activities.py: index and register pages
API = "/api/v1/processing-activities"
API_ROWS = 100  # the API pages compared: first, middle, last
API_SMALL_ROWS = 10  # page 1 compared between sizes
API_WALK_ROWS = 200  # compliance/api.py: page_args()'s largest per_page, to walk the cursors
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
    sql_median_ms: float = 0.0  # time spent executing SQL statements, per request
    sql_p95_ms: float = 0.0

    def cell(self, full_runs: int) -> str:
        low, high = self.queries
        queries = f"{low}" if low == high else f"{low}–{high}"
        runs = "" if self.runs >= full_runs else f" (n={self.runs})"
        return f"{self.median_ms:.0f} / {self.p95_ms:.0f} ms · {queries} q{runs}"

    def timing(self) -> targets.Timing:
        return targets.Timing(
            self.median_ms, self.p95_ms, self.queries, self.sql_median_ms, self.sql_p95_ms
        )


EXPORT_RATIO_TARGET = targets.EXPORT_FLOOR_RATIO  # the Word register against bench/floor.py
EXPORT_PEAK_TARGET_MIB = targets.EXPORT_PEAK_MIB  # and its peak Python memory


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
    api_cursor: str = ""  # how the API's middle and last pages were reached


class PageError(RuntimeError):
    """A page answered something else than 200."""


@dataclass
class Failure:
    message: str

    def cell(self, _full_runs: int) -> str:
        return f"failed: {self.message}"

    def timing(self) -> None:
        return None


class TooManyStatements(RuntimeError):
    """A request sent more statements than the counter's limit."""


class QueryCounter:
    """The SQL statements an engine sends, and the time spent executing them. With a `limit`,
    the statement after `limit` statements of a request (counted from `start()`) raises
    TooManyStatements, once: a page that sends a statement per row of a large table would
    take minutes a request; it fails instead, and says so."""

    def __init__(self, engine: sa.Engine, limit: int | None = None):
        self.count = 0
        self.seconds = 0.0
        self.limit = limit
        self.exceeded = False
        self._first: int | None = None  # counting a request's statements since
        self._started: list[float] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def start(self) -> None:
        self._first, self.exceeded = self.count, False

    def stop(self) -> None:
        self._first = None

    def _before(self, *_args) -> None:
        self.count += 1
        first = self._first
        if (
            self.limit
            and first is not None
            and not self.exceeded
            and self.count - first > self.limit
        ):
            self.exceeded = True
            raise TooManyStatements(f"over {self.limit} SQL statements")
        self._started.append(time.perf_counter())

    def _after(self, *_args) -> None:
        if self._started:
            self.seconds += time.perf_counter() - self._started.pop()


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


def measure(
    browser: Browser, counter: QueryCounter, page: Page, options, *, requests: int | None = None
) -> Result:
    """`requests` timed requests (`options.requests` by default) after the warm-up; a page
    slower than `options.max_seconds` in all stops after `options.min_requests`."""
    requests = requests or options.requests
    for _ in range(options.warmup):
        started = time.perf_counter()
        _get(browser, page, counter)
        if time.perf_counter() - started > SLOW:  # one warm-up is enough for a slow page
            break
    times, sql, queries, size = [], [], [], 0
    deadline = time.perf_counter() + options.max_seconds
    while len(times) < requests:
        before, before_sql = counter.count, counter.seconds
        started = time.perf_counter()
        response = _get(browser, page, counter)
        times.append(time.perf_counter() - started)
        sql.append(counter.seconds - before_sql)
        queries.append(counter.count - before)
        size = len(response.data)
        if len(times) >= min(options.min_requests, requests) and time.perf_counter() > deadline:
            break
    return Result(
        median_ms=statistics.median(times) * 1000,
        p95_ms=percentile(times, 0.95) * 1000,
        runs=len(times),
        queries=(min(queries), max(queries)),
        size=size,
        sql_median_ms=statistics.median(sql) * 1000,
        sql_p95_ms=percentile(sql, 0.95) * 1000,
    )


def _get(browser: Browser, page: Page, counter: QueryCounter):
    counter.start()
    try:
        response = browser.get(page.url, api=page.api)
    except TooManyStatements as error:
        raise PageError(str(error)) from None
    finally:
        counter.stop()
    if counter.exceeded:
        raise PageError(f"over {counter.limit} SQL statements")
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
        "processing-api-1": f"Processing API: all activities, page 1 ({API_ROWS} rows)",
        "processing-api-mid": f"Processing API: all activities, middle page ({API_ROWS} rows)",
        "processing-api-last": f"Processing API: all activities, last page ({API_ROWS} rows)",
        "processing-api-10": f"Processing API: all activities, page 1 ({API_SMALL_ROWS} rows)",
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


# The pages the referent is measured on too (the others are the national DPO's: the overview of
# every organisation, the largest register, the API with the DPO's token).
REFERENT_PAGES = {
    "processing-register-1",
    "processing-register-mid",
    "processing-register-q",
    "applications-1",
    "applications-q",
    "applications-map",
    "dashboard",
    "incidents-1",
    "incidents-q",
    "actions-1",
    "breaches-1",
    "roadmap-1",
}


def _pages(app, dataset: generate.Dataset, api_pages: dict[str, str]) -> list[Page]:
    """The pages, with their middle page numbers worked out from the data; `api_pages`: the
    API's middle and last pages (see api_pages)."""
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
        busiest = session.scalar(
            sa.select(Deployment.application_id)
            .group_by(Deployment.application_id)
            .order_by(sa.func.count().desc(), Deployment.application_id)
            .limit(1)
        )
    q = dataset.search
    register = f"/processing/registers/{dataset.register_slug}/"
    urls = {
        "processing-index-1": "/processing/",
        "processing-index-mid": f"/processing/?page={_middle(organisations, REGISTER_PER_PAGE)}",
        "processing-register-1": register,
        "processing-register-mid": f"{register}?page={_middle(register_count, REGISTER_PER_PAGE)}",
        "processing-register-q": f"{register}?q={q}",
        "processing-big-register-1": f"/processing/registers/{dataset.export_slug}/",
        "processing-api-1": f"{API}?per_page={API_ROWS}",
        "processing-api-mid": api_pages["middle"],
        "processing-api-last": api_pages["last"],
        "processing-api-10": f"{API}?per_page={API_SMALL_ROWS}",
        "processing-api-q": f"{API}?q={q}",
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
    pages = [Page(key, "dpo", url, key.startswith("processing-api")) for key, url in urls.items()]
    pages += [Page(key, "referent", url) for key, url in urls.items() if key in REFERENT_PAGES]
    return pages


def _middle(count: int, per_page: int) -> int:
    pages = max(1, math.ceil(count / per_page))
    return (pages + 1) // 2


def _next(answer: dict) -> str | None:
    """The `next` link of an API list answer (at the top level or under `links`), if any."""
    link = answer.get("next")
    if link is None and isinstance(answer.get("links"), dict):
        link = answer["links"].get("next")
    return link or None


def _with_rows(link: str, rows: int) -> str:
    """`link` (a `next` link: a path or a URL) as a path of the API asking for `rows` rows."""
    parts = urlsplit(link)
    query = dict(parse_qsl(parts.query))
    query["per_page"] = str(rows)
    return f"{parts.path or API}?{urlencode(query)}"


def api_pages(browser: Browser, total: int, options, log) -> tuple[dict[str, str], str]:
    """The URLs of the API list's middle and last pages of API_ROWS rows, and how they were
    reached. With a keyset cursor (a `next` link in the answer), the `next` links are followed
    with the largest pages (untimed) and the cursors kept: the middle page starts at the cursor
    half-way, the last one is the page after which there is no `next`. Without one (OFFSET
    pagination), `page=`."""
    first = browser.get(f"{API}?per_page={API_WALK_ROWS}", api=True)
    if first.status_code != 200:
        raise PageError(f"{API}: HTTP {first.status_code}")
    link = _next(first.get_json())
    if link is None:
        # The API's own total when it gives one (it may leave out rows the count includes).
        total = first.get_json().get("total") or total
        pages = max(1, math.ceil(total / API_ROWS))
        url = f"{API}?per_page={API_ROWS}&page="
        return {"middle": f"{url}{(pages + 1) // 2}", "last": f"{url}{pages}"}, "page="
    # What the API lists for this user (one COUNT, asked for with total=1).
    listed = browser.get(f"{API}?per_page=1&total=1", api=True).get_json().get("total")
    crafted = _crafted_pages(browser.client.application, link, listed)
    if crafted is not None:
        log("    API middle and last pages: cursors built from the rows before them")
        return crafted, "after="
    cursors = []  # cursors[i]: the rows after (i + 1) * API_WALK_ROWS
    deadline = time.perf_counter() + options.api_walk_seconds
    while link is not None:
        cursors.append(link)
        answer = browser.get(_with_rows(link, API_WALK_ROWS), api=True)
        if answer.status_code != 200:
            raise PageError(f"{link}: HTTP {answer.status_code}")
        link = _next(answer.get_json())
        if time.perf_counter() > deadline:
            log(f"    API cursor walk stopped after {len(cursors) * API_WALK_ROWS} rows")
            break
    middle = _with_rows(cursors[len(cursors) // 2], API_ROWS)
    last = _with_rows(cursors[-1], API_ROWS)
    # The last cursor leaves up to API_WALK_ROWS rows: the last page of API_ROWS may be the next.
    answer = browser.get(last, api=True).get_json()
    if link is None and _next(answer) is not None:
        last = _with_rows(_next(answer), API_ROWS)
    how = "after=" if link is None else f"after=, walk stopped at {len(cursors) * API_WALK_ROWS}"
    return {"middle": middle, "last": last}, how


def _cursor_order(link: str) -> str | None:
    """The order fingerprint a `next` link's cursor carries (None if it is not the kernel's)."""
    token = dict(parse_qsl(urlsplit(link).query)).get("after", "")
    try:
        return json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))["o"]
    except (ValueError, TypeError, KeyError):
        return None


def _crafted_pages(app, link: str, total: int | None) -> dict[str, str] | None:
    """The middle and last pages' URLs with cursors built as the API builds them (the kernel's
    `encode_cursor` on the values of the row before each page, read with one indexed query),
    so that reaching them does not walk a hundred thousand rows. None when the API's cursor is
    not of the order assumed here (its default: reference, then id), and the walk takes over."""
    from compliance.db import get_session
    from compliance.pagination import _fingerprint, encode_cursor, sort_keys
    from registers.processing.models import ProcessingActivity, ProcessingStatus

    with app.app_context():
        statement = (
            sa.select(ProcessingActivity)
            .where(
                ProcessingActivity.is_model.is_(False),
                ProcessingActivity.status != ProcessingStatus.ARCHIVED,
            )
            .order_by(ProcessingActivity.reference, ProcessingActivity.id)
        )
        keys = sort_keys(statement)
        if _cursor_order(link) != _fingerprint(keys):
            return None
        session = get_session()
        visible = session.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))
        if visible != total:  # the user does not see every activity: walk instead
            return None
        pages = max(1, math.ceil(total / API_ROWS))
        urls = {}
        for name, page in (("middle", (pages + 1) // 2), ("last", pages)):
            row = session.execute(
                sa.select(ProcessingActivity.reference, ProcessingActivity.id)
                .where(*statement.whereclause.clauses)
                .order_by(ProcessingActivity.reference, ProcessingActivity.id)
                .offset((page - 1) * API_ROWS - 1)
                .limit(1)
            ).one()
            cursor = encode_cursor(keys, list(row))
            urls[name] = f"{API}?{urlencode({'per_page': API_ROWS, 'after': cursor})}"
        return urls


def _api_total(app) -> int:
    from compliance.db import get_session
    from registers.processing.models import ProcessingActivity

    with app.app_context():
        return get_session().scalar(
            sa.select(sa.func.count(ProcessingActivity.id)).where(
                ProcessingActivity.is_model.is_(False)
            )
        )


def measure_dataset(database: str, dataset: generate.Dataset, options, log, *, role: str):
    """Measure one data set. `role`: "large" (every page timed, the Word export), "small" (every
    page, for its statements: `options.count_requests` requests each) or "base" (the API's
    page 1 of API_SMALL_ROWS rows only)."""
    app = generate.make_app(dataset.url, dataset.instance)
    engine = app.extensions["db"].engine
    counter = QueryCounter(engine, options.max_statements)
    report = Report(database, dataset)
    requests = options.count_requests if role == "small" else options.requests
    try:
        browsers = {
            "dpo": Browser(app, dataset.dpo_email, dataset.password, dataset.api_token),
            "referent": Browser(app, dataset.referent_email, dataset.password),
        }
        if role == "base":
            pages = [Page("processing-api-10", "dpo", f"{API}?per_page={API_SMALL_ROWS}", True)]
        else:
            found, report.api_cursor = api_pages(browsers["dpo"], _api_total(app), options, log)
            pages = _pages(app, dataset, found)
        settle()  # as `compliance serve` does before serving (compliance/heap.py)
        for page in pages:
            try:
                result = measure(browsers[page.who], counter, page, options, requests=requests)
            except PageError as error:  # reported in its cell; the other pages go on
                result = Failure(str(error))
            report.pages[f"{page.key}:{page.who}"] = result
            label = labels(dataset.search)[page.key]
            log(f"    {label} ({page.who}): {result.cell(requests)}")
        if role == "large" and not options.skip_export:
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
    try:
        yield f"sqlite:///{path}"
    finally:
        path.unlink(missing_ok=True)


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


@dataclass
class EngineRun:
    """The three data sets of one database engine (see the module's docstring)."""

    database: str
    large: Report | None = None
    small: Report | None = None
    base: Report | None = None


def sizes(options) -> dict[str, tuple[int, int]]:
    """Role -> (organisations, big register) of each data set."""
    small = options.small_organisations or max(1, options.organisations // 10)
    base = options.base_organisations or max(
        1, min(options.organisations, 1000 // options.activities)
    )
    return {
        "large": (options.organisations, options.big_register),
        "small": (small, options.big_register),
        "base": (base, 0),
    }


def run(options, log) -> list[EngineRun]:
    runs = []
    folder = Path(tempfile.mkdtemp(prefix="registre-bench-"))
    databases = [d.strip() for d in options.databases.split(",") if d.strip()]
    try:
        for database in databases:
            if database == "postgresql":
                why = postgres_available(options.postgres_url)
                if why:
                    log(f"PostgreSQL skipped: {why}")
                    continue
            engine_run = EngineRun(database)
            for role, (organisations, big_register) in sizes(options).items():
                report = _one(database, role, organisations, big_register, folder, options, log)
                setattr(engine_run, role, report)
            runs.append(engine_run)
    finally:
        if options.keep:
            log(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return runs


def _one(database, role, organisations, big_register, folder: Path, options, log) -> Report:
    instance = str(folder / f"instance-{database}-{role}")
    if database == "sqlite":
        context = sqlite_database(folder, role)
    else:
        context = postgres_database(options.postgres_url, options.keep)
    with context as url:
        log(f"{database}, {organisations} × {options.activities}: building")
        dataset = generate.generate(
            url,
            organisations=organisations,
            activities=options.activities,
            big_register=big_register,
            incidents=options.incidents,
            seed=options.seed,
            instance=instance,
            log=lambda message: log(f"  {message.strip()}") if options.verbose else None,
        )
        log(
            f"  {dataset.activities} activities, {dataset.organisations} organisations, "
            f"{dataset.incidents} incidents, built in {dataset.timings['generate']:.0f} s; "
            f"measuring ({role})"
        )
        return measure_dataset(database, dataset, options, log, role=role)


# --- the report ---------------------------------------------------------------------------------

DATABASE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
WHO = {"dpo": "national DPO", "referent": "referent"}


def figures(engine_run: EngineRun) -> targets.Figures:
    """One engine's measurements, as the targets read them."""

    def timings(report: Report | None) -> dict[tuple[str, str], targets.Timing | None]:
        if report is None:
            return {}
        return {tuple(row.split(":")): result.timing() for row, result in report.pages.items()}

    pages, small = timings(engine_run.large), timings(engine_run.small)
    base = timings(engine_run.base)
    return targets.Figures(
        engine=DATABASE_NAMES[engine_run.database],
        pages=pages,
        small_pages=small,
        api_first=pages.get(("processing-api-1", "dpo")),
        api_middle=pages.get(("processing-api-mid", "dpo")),
        api_last=pages.get(("processing-api-last", "dpo")),
        api_cursor=engine_run.large.api_cursor if engine_run.large else "",
        api_small_first=base.get(("processing-api-10", "dpo")),
        api_large_first=pages.get(("processing-api-10", "dpo")),
        search=pages.get(("processing-api-q", "dpo")),
        large_label=_label(engine_run.large),
        small_label=_label(engine_run.small),
        base_label=_label(engine_run.base),
    )


def _label(report: Report | None) -> str:
    if report is None:
        return ""
    return f"{report.dataset.activities} activities ({report.dataset.label})"


def export_targets(runs: list[EngineRun]) -> list[targets.Target]:
    """The Word export's targets, per engine: its time against its floor (bench/floor.py, the
    same register written as raw WordprocessingML) measured in turns in the same run, and its
    peak Python memory. Any other function appended to `targets.EXTRA` adds its rows to the
    targets table the same way."""
    rows = []
    for engine_run in runs:
        export = engine_run.large.export if engine_run.large else None
        name = f"{DATABASE_NAMES[engine_run.database]}: Word register"
        activities = f" of {export.activities} activities" if export else ""
        rows += [
            targets.Target(
                f"{name}{activities} / its floor",
                None if export is None else export.ratio,
                targets.EXPORT_FLOOR_RATIO,
                "×",
                ""
                if export is None
                else f"export {export.median_s:.2f} s, floor {export.floor_s:.2f} s",
            ),
            targets.Target(
                f"{name}{activities}, peak Python memory",
                None if export is None else export.peak_mib,
                targets.EXPORT_PEAK_MIB,
                "MiB",
            ),
        ]
    return rows


targets.EXTRA.append(export_targets)


def markdown(runs: list[EngineRun], options, started: float, loads: tuple) -> str:
    lines = [
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}; load average "
        f"{loads[0]:.1f} at the start, {loads[1]:.1f} at the end; "
        f"{time.perf_counter() - started:.0f} s in all.",
        "",
        "Data sets: "
        + "; ".join(
            f"{DATABASE_NAMES[run.database]} {r.dataset.label}: {r.dataset.organisations} "
            f"organisations, {r.dataset.activities} activities, {r.dataset.incidents} incidents "
            f"(built in {r.dataset.timings['generate']:.0f} s)"
            for run in runs
            for r in (run.large, run.small, run.base)
            if r is not None
        )
        + ".",
        "",
    ]
    large = [(run.large, DATABASE_NAMES[run.database]) for run in runs if run.large]
    if large:
        lines += _pages_table(large, options)
        lines += _statements_table(runs)
        lines += _api_table(runs)
        lines += _export_table(large)
    all_figures = [figures(run) for run in runs]
    lines += [
        "",
        "## Targets",
        "",
        "Ratio: the measured figure over its limit (at most 1 when the target is met).",
        "",
    ]
    lines += targets.table(targets.evaluate(all_figures, runs))
    return "\n".join(lines) + "\n"


def _pages_table(large: list[tuple[Report, str]], options) -> list[str]:
    label = large[0][0].dataset.label
    lines = [
        f"## Pages at {label}",
        "",
        f"Each cell: median / 95th percentile of {options.requests} requests after "
        f"{options.warmup} warm-up one(s) (n=: fewer, at least {options.min_requests}, when a "
        f"page takes over {options.max_seconds:.0f} s in all), and the SQL statements per "
        f"request. The API pages are the national DPO's, with an API token.",
        "",
        "| page | user | " + " | ".join(name for _r, name in large) + " |",
        "| --- | --- | " + " | ".join("---" for _ in large) + " |",
    ]
    names = labels(large[0][0].dataset.search)
    for key, text in names.items():
        for who in ("dpo", "referent"):
            row = f"{key}:{who}"
            if not any(row in r.pages for r, _name in large):
                continue
            cells = [
                r.pages[row].cell(options.requests) if row in r.pages else "" for r, _ in large
            ]
            lines.append(f"| {text} | {WHO[who]} | " + " | ".join(cells) + " |")
    return lines


def _statements_table(runs: list[EngineRun]) -> list[str]:
    lines = []
    for run in runs:
        if run.small is None or run.large is None:
            continue
        small, large = run.small, run.large
        lines += [
            "",
            f"## SQL statements per page, {DATABASE_NAMES[run.database]}: "
            f"{small.dataset.label} vs {large.dataset.label}",
            "",
            f"| page | user | {small.dataset.label} | {large.dataset.label} | |",
            "| --- | --- | --- | --- | --- |",
        ]
        names = labels(large.dataset.search)
        for key, text in names.items():
            for who in ("dpo", "referent"):
                row = f"{key}:{who}"
                if row not in large.pages or row not in small.pages:
                    continue
                before, after = small.pages[row].timing(), large.pages[row].timing()
                lines.append(
                    f"| {text} | {WHO[who]} | {targets.statements(before)} | "
                    f"{targets.statements(after)} | "
                    f"{targets.statement_difference(before, after)} |"
                )
    return lines


def _api_table(runs: list[EngineRun]) -> list[str]:
    lines = [
        "",
        "## Processing API (national DPO)",
        "",
        "| measure | " + " | ".join(DATABASE_NAMES[run.database] for run in runs) + " |",
        "| --- | " + " | ".join("---" for _ in runs) + " |",
    ]
    all_figures = [figures(run) for run in runs]

    def ms(timing: targets.Timing | None, sql: bool = False) -> str:
        if timing is None:
            return "failed"
        if sql:
            return f"{timing.sql_median_ms:.1f} / {timing.sql_p95_ms:.1f} ms"
        return f"{timing.median_ms:.0f} / {timing.p95_ms:.0f} ms · {targets.statements(timing)} q"

    rows = [
        ("page 1, 100 rows", lambda f: ms(f.api_first)),
        ("middle page, 100 rows", lambda f: ms(f.api_middle) + f" ({f.api_cursor})"),
        ("last page, 100 rows", lambda f: ms(f.api_last) + f" ({f.api_cursor})"),
        ("page 1, 10 rows, " + all_figures[0].base_label, lambda f: ms(f.api_small_first)),
        ("page 1, 10 rows, " + all_figures[0].large_label, lambda f: ms(f.api_large_first)),
        ("search 'paie', the request", lambda f: ms(f.search)),
        ("search 'paie', its SQL alone", lambda f: ms(f.search, sql=True)),
    ]
    for text, cell in rows:
        lines.append(f"| {text} | " + " | ".join(cell(f) for f in all_figures) + " |")
    lines += ["", "Median / 95th percentile; the ratios of the targets are between medians."]
    return lines


def _export_table(columns: list[tuple[Report, str]]) -> list[str]:
    if all(report.export is None for report, _name in columns):
        return []
    lines = [
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
    parser.add_argument("--organisations", type=int, default=1000, help="the large size")
    parser.add_argument("--activities", type=int, default=100, help="per organisation")
    parser.add_argument(
        "--small-organisations", type=int, help="the size compared (default: a tenth)"
    )
    parser.add_argument(
        "--base-organisations",
        type=int,
        help="the size of about 1 000 activities the API's page 1 is compared with",
    )
    parser.add_argument("--big-register", type=int, default=500, help="Word export's activities")
    parser.add_argument("--incidents", type=int, default=5, help="per organisation")
    parser.add_argument("--requests", type=int, default=10, help="timed requests per page")
    parser.add_argument(
        "--count-requests", type=int, default=1, help="requests per page at the small size"
    )
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--min-requests", type=int, default=3)
    parser.add_argument("--max-seconds", type=float, default=4, help="per page, then stop early")
    parser.add_argument(
        "--api-walk-seconds", type=float, default=120, help="following the API's cursors"
    )
    parser.add_argument(
        "--max-statements",
        type=int,
        default=2000,
        help="a page request sending more fails (0: no limit)",
    )
    parser.add_argument("--export-runs", type=int, default=5)
    parser.add_argument("--skip-export", action="store_true", help="no Word export")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--postgres-url", default=POSTGRES_URL, help="a server that may CREATE DATABASE"
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    parser.add_argument("--output", help="also write the Markdown report to this file")
    parser.add_argument("--verbose", action="store_true", help="the data's progress too")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    started = time.perf_counter()
    load_start = os.getloadavg()[0]

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    runs = run(options, log)
    text = markdown(runs, options, started, (load_start, os.getloadavg()[0]))
    print(text)
    if options.output:
        Path(options.output).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
