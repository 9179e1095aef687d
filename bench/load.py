"""Concurrent load through the API, and what the database and the audit trail kept of it.

Two scenarios, each on a database of its own that the run creates and drops:
- PostgreSQL (the server of COMPLIANCE_TEST_POSTGRES_URL): two `compliance serve` processes,
  `--clients` threads (20) for `--duration` seconds (60);
- SQLite (a file in a temporary folder): one `compliance serve` process, `--sqlite-clients`
  threads (10), the same duration.

Each client creates and updates processing activities and incidents through the API, with a
token of its own, on a random process; updates send the version they read, and most go to a
few "hot" records so that writers collide. Half-way, one process is killed with SIGKILL and
started again. A client retries a creation once when the server answers 5xx (as a real
client would); it never retries when the connection drops (the outcome is unknown).

Afterwards the run compares what the clients were acknowledged with the database and the
audit trail, and prints for each scenario:
- requests, 2xx, 409, other 4xx, 5xx, and requests without an answer (process killed);
- lost writes: an acknowledged creation absent, or an acknowledged update whose record is now
  at an older version, or at that version with another value;
- duplicates: a record created twice from one client's single intent (a retried creation);
- silent overwrites: two acknowledged updates of one record made from the same version (the
  second replaced the first without having seen it);
- unaudited changes: an acknowledged creation or update without its audit entry.

    python -m bench.load [--duration 60] [--clients 20] [--sqlite-clients 10]
                         [--scenarios postgresql,sqlite] [--no-kill]

Servers listen on 127.0.0.1 only; every process started is stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

POSTGRES_URL = os.environ.get(
    "COMPLIANCE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
HOST = "127.0.0.1"
HOT = 3  # records of each kind most updates go to
SECRET_KEY = "load-secret-key-" + uuid.uuid4().hex


# --- the servers ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Servers:
    """`compliance serve` processes on loopback ports, one log file each."""

    def __init__(self, environment: dict, count: int, folder: Path):
        self.environment = environment
        self.folder = folder
        self.ports = [_free_port() for _ in range(count)]
        self.processes: dict[int, subprocess.Popen] = {}
        self.starts = Counter()

    def start(self, port: int) -> None:
        self.starts[port] += 1
        log = open(self.folder / f"serve-{port}-{self.starts[port]}.log", "wb")  # noqa: SIM115
        self.processes[port] = subprocess.Popen(
            [_command(), "serve", "--host", HOST, "--port", str(port), "--threads", "8"],
            env=self.environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        _wait_until_up(port, self.processes[port])

    def start_all(self) -> None:
        for port in self.ports:
            self.start(port)

    def kill(self, port: int) -> None:
        process = self.processes[port]
        process.send_signal(signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def errors_logged(self) -> int:
        return sum(
            path.read_text(errors="replace").count("Traceback")
            for path in self.folder.glob("serve-*.log")
        )


def _command() -> str:
    return str(Path(sys.executable).with_name("compliance"))


def _wait_until_up(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"compliance serve on port {port} exited ({process.returncode})")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/api/v1/openapi.json")
            if connection.getresponse().status == 200:
                connection.close()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"compliance serve on port {port} did not answer in {timeout} s")


# --- the clients ---------------------------------------------------------------------------


@dataclass
class Ack:
    kind: str  # "activity" or "incident"
    record_id: int
    action: str  # "create" or "update"
    value: str  # the creation's key, or the updated field's new value
    base_version: int | None = None  # the version an update was made from
    version: int | None = None  # the version it produced


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    no_answer: int = 0
    acks: list[Ack] = field(default_factory=list)
    intents: list[tuple[str, str]] = field(default_factory=list)  # (kind, key) of creations
    latencies: list[float] = field(default_factory=list)


KINDS = {
    # kind: (collection, field a creation sets to its key, field an update changes)
    "activity": ("/api/v1/processing-activities", "name", "responsible_service"),
    "incident": ("/api/v1/incidents", "title", "lessons_learnt"),
}


class Client(threading.Thread):
    def __init__(self, number: int, run: Run):
        super().__init__(name=f"client-{number}", daemon=True)
        self.number = number
        self.run_ = run
        self.random = random.Random(number)
        self.connections: dict[int, http.client.HTTPConnection] = {}
        self.sequence = 0
        self.label = f"c{number}"

    # one request: (status, body), or (None, None) when the connection failed
    def request(self, method: str, path: str, body: dict | None = None):
        run = self.run_
        port = self.random.choice(run.servers.ports)
        headers = {"Authorization": f"Bearer {run.tokens[self.number]}"}
        payload = None
        if body is not None:
            payload = json.dumps(body)
            headers["Content-Type"] = "application/json"
        connection = self.connections.get(port)
        if connection is None:
            connection = self.connections[port] = http.client.HTTPConnection(HOST, port, timeout=30)
        started = time.monotonic()
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            self.connections.pop(port, None)
            with run.lock:
                run.tally.no_answer += 1
            time.sleep(0.25)
            return None, None
        with run.lock:
            run.tally.statuses[response.status] += 1
            run.tally.latencies.append(time.monotonic() - started)
        try:
            return response.status, json.loads(data) if data else None
        except ValueError:
            return response.status, None

    def key(self) -> str:
        self.sequence += 1
        return f"load-{self.run_.tag}-{self.label}-{self.sequence}"

    def create(self, kind: str) -> None:
        run = self.run_
        collection, _key_field, _changed = KINDS[kind]
        key = self.key()
        body = run.new_body(kind, key)
        with run.lock:
            run.tally.intents.append((kind, key))
        for _attempt in range(2):
            status, answer = self.request("POST", collection, body)
            if status is None or status < 500:
                break
        if status == 201:
            with run.lock:
                run.tally.acks.append(
                    Ack(kind, answer["id"], "create", key, None, answer.get("version"))
                )
                run.records[kind].append(answer["id"])

    def update(self, kind: str) -> None:
        run = self.run_
        collection, _key_field, changed = KINDS[kind]
        with run.lock:
            pool = run.records[kind]
            record_id = self.random.choice(
                pool[:HOT] if self.random.random() < 0.7 or len(pool) <= HOT else pool
            )
        status, current = self.request("GET", f"{collection}/{record_id}")
        if status != 200:
            return
        value = self.key()
        base = current["version"]
        status, answer = self.request(
            "PATCH", f"{collection}/{record_id}", {changed: value, "version": base}
        )
        if status == 200:
            with run.lock:
                run.tally.acks.append(
                    Ack(kind, record_id, "update", value, base, answer.get("version"))
                )

    def read(self) -> None:
        kind = self.random.choice(list(KINDS))
        self.request("GET", f"{KINDS[kind][0]}?per_page=20")

    def run(self) -> None:
        while time.monotonic() < self.run_.deadline:
            draw = self.random.random()
            if draw < 0.2:
                self.create("activity")
            elif draw < 0.5:
                self.update("activity")
            elif draw < 0.65:
                self.create("incident")
            elif draw < 0.9:
                self.update("incident")
            else:
                self.read()
        for connection in self.connections.values():
            connection.close()


# --- one scenario --------------------------------------------------------------------------


class Run:
    def __init__(self, name: str, url: str, processes: int, clients: int, options, folder):
        self.name = name
        self.url = url
        self.clients = clients
        self.options = options
        self.folder = folder
        self.tag = uuid.uuid4().hex[:6]
        self.lock = threading.Lock()
        self.tally = Tally()
        self.records: dict[str, list[int]] = defaultdict(list)
        self.tokens: list[str] = []
        self.organisation_ids: list[int] = []
        self.deadline = 0.0
        instance = folder / "instance"
        instance.mkdir()
        self.environment = {
            **os.environ,
            "COMPLIANCE_DATABASE_URL": url,
            "COMPLIANCE_INSTANCE_PATH": str(instance),
            "COMPLIANCE_SECRET_KEY": SECRET_KEY,
            "COMPLIANCE_LOG_LEVEL": "WARNING",
        }
        self.servers = Servers(self.environment, processes, folder)

    def new_body(self, kind: str, key: str) -> dict:
        organisation_id = random.choice(self.organisation_ids)
        if kind == "activity":
            return {"organisation_id": organisation_id, "name": key}
        detected = datetime.now(UTC) - timedelta(hours=1)
        return {
            "title": key,
            "organisation_id": organisation_id,
            "category": "denial_of_service",
            "severity": "2",
            "detection_source": "provider",
            "detected_at": detected.isoformat(),
            "description": "Charge de test.",
        }

    def prepare(self) -> None:
        """Schema (compliance init), two organisations, a user holding the DPO and CISO roles
        in both, a token per client, and the hot records."""
        subprocess.run([_command(), "init"], env=self.environment, check=True, capture_output=True)
        from compliance import create_app
        from compliance.admin import services
        from compliance.permissions import Role
        from compliance.tenancy import OrganisationKind

        app = create_app(
            {
                "DATABASE_URL": self.url,
                "INSTANCE_PATH": self.environment["COMPLIANCE_INSTANCE_PATH"],
                "SECRET_KEY": SECRET_KEY,
            }
        )
        db = app.extensions["db"]
        with app.app_context(), db.new_session() as session:
            organisations = [
                services.create_organisation(
                    session, {"name": name, "kind": OrganisationKind.COMMUNE}, actor="load"
                )
                for name in ("Valdevy", "Sucy-sur-Marne")
            ]
            user = services.create_user(
                session, email="charge@example.org", name="Charge", password=None, actor="load"
            )
            for organisation in organisations:
                for role in (Role.DPO, Role.CISO):
                    services.grant_role(session, user, organisation, role, actor="load")
            for number in range(self.clients):
                _token, secret = services.create_token(session, user, f"c{number}", actor="load")
                self.tokens.append(secret)
            session.commit()
            self.organisation_ids = [o.id for o in organisations]
        db.engine.dispose()
        self.servers.start_all()
        seeder = Client(0, self)
        seeder.label = "seed"
        for kind in KINDS:
            while len(self.records[kind]) < HOT:
                seeder.create(kind)
        self.tally = Tally(acks=list(self.tally.acks), intents=list(self.tally.intents))

    def load(self) -> float:
        started = time.monotonic()
        self.deadline = started + self.options.duration
        clients = [Client(n, self) for n in range(self.clients)]
        for client in clients:
            client.start()
        if not self.options.no_kill:
            time.sleep(self.options.duration / 2)
            victim = self.servers.ports[-1]
            self.servers.kill(victim)
            time.sleep(1)
            self.servers.start(victim)
        for client in clients:
            client.join(self.options.duration + 60)
        return time.monotonic() - started

    def check(self) -> dict:
        """Compare what was acknowledged with the database and the audit trail."""
        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as connection:
                return _compare(connection, self.tally, self.tag)
        finally:
            engine.dispose()


def _compare(connection, tally: Tally, tag: str) -> dict:
    tables = {"activity": "processing_activity", "incident": "incident"}
    types = {"activity": "ProcessingActivity", "incident": "Incident"}
    rows = {}
    for kind, table in tables.items():
        _collection, key_field, changed = KINDS[kind]
        rows[kind] = {
            row.id: row
            for row in connection.execute(
                sa.text(f"SELECT id, version, {key_field} AS key, {changed} AS value FROM {table}")
            )
        }
    audit = defaultdict(list)
    for row in connection.execute(
        sa.text("SELECT object_type, object_id, action, changes FROM audit_entry")
    ):
        changes = row.changes if isinstance(row.changes, str) else json.dumps(row.changes)
        audit[(row.object_type, row.object_id)].append((row.action, changes or ""))

    lost = duplicates = overwrites = unaudited = 0
    last_update: dict[tuple[str, int], Ack] = {}
    bases = Counter()
    for ack in tally.acks:
        record = rows[ack.kind].get(ack.record_id)
        entries = audit.get((types[ack.kind], str(ack.record_id)), [])
        if record is None:
            lost += 1
            continue
        if ack.action == "create":
            if not any(action == "create" for action, _changes in entries):
                unaudited += 1
            continue
        bases[(ack.kind, ack.record_id, ack.base_version)] += 1
        if not any(json.dumps(ack.value)[1:-1] in changes for _action, changes in entries):
            unaudited += 1
        previous = last_update.get((ack.kind, ack.record_id))
        if previous is None or (ack.version or 0) > (previous.version or 0):
            last_update[(ack.kind, ack.record_id)] = ack
    for (kind, record_id), ack in last_update.items():
        record = rows[kind][record_id]
        older = record.version < (ack.version or 0)
        if older or (record.version == ack.version and record.value != ack.value):
            lost += 1
    overwrites = sum(count - 1 for count in bases.values() if count > 1)
    keys = Counter(
        (kind, row.key)
        for kind in rows
        for row in rows[kind].values()
        if row.key and row.key.startswith(f"load-{tag}-")
    )
    duplicates = sum(count - 1 for count in keys.values() if count > 1)
    return {
        "lost writes": lost,
        "duplicates": duplicates,
        "silent overwrites": overwrites,
        "unaudited changes": unaudited,
    }


# --- databases -----------------------------------------------------------------------------


@contextmanager
def postgres_database(admin_url: str):
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"registre_load_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def sqlite_database(folder: Path):
    yield f"sqlite:///{folder / 'load.db'}"


def scenario(name: str, options) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"registre-load-{name}-"))
    processes, clients = (
        (2, options.clients) if name == "postgresql" else (1, options.sqlite_clients)
    )
    database = postgres_database(POSTGRES_URL) if name == "postgresql" else sqlite_database(folder)
    try:
        with database as url:
            run = Run(name, url, processes, clients, options, folder)
            try:
                run.prepare()
                elapsed = run.load()
            finally:
                run.servers.stop_all()
            result = run.check()
            tally = run.tally
            statuses = tally.statuses
            latencies = sorted(tally.latencies) or [0.0]
            return {
                "scenario": f"{name}: {processes} process(es), {clients} clients, "
                f"{elapsed:.0f} s" + ("" if options.no_kill else ", one SIGKILL"),
                "requests": sum(statuses.values()) + tally.no_answer,
                "2xx": sum(n for status, n in statuses.items() if 200 <= status < 300),
                "409": statuses[409],
                "other 4xx": sum(
                    n for status, n in statuses.items() if 400 <= status < 500 and status != 409
                ),
                "5xx": sum(n for status, n in statuses.items() if status >= 500),
                "no answer (killed)": tally.no_answer,
                "acknowledged writes": len(tally.acks),
                **result,
                "tracebacks logged": run.servers.errors_logged(),
                "median / p95 ms": f"{1000 * latencies[len(latencies) // 2]:.0f} / "
                f"{1000 * latencies[int(len(latencies) * 0.95)]:.0f}",
            }
    finally:
        if not options.keep_logs:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"logs kept in {folder}", file=sys.stderr)


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--duration", type=float, default=60, help="seconds of load per scenario")
    parser.add_argument("--clients", type=int, default=20, help="client threads on PostgreSQL")
    parser.add_argument("--sqlite-clients", type=int, default=10, help="client threads on SQLite")
    parser.add_argument("--scenarios", default="postgresql,sqlite")
    parser.add_argument("--no-kill", action="store_true", help="do not kill a process half-way")
    parser.add_argument("--keep-logs", action="store_true", help="keep the servers' logs")
    options = parser.parse_args(argv)
    if not 1 <= options.duration <= 3600:
        parser.error("--duration must lie between 1 and 3600 seconds")
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    results = [scenario(name, options) for name in options.scenarios.split(",")]
    keys = list(results[0])
    print("| measure | " + " | ".join(str(r["scenario"]) for r in results) + " |")
    print("| --- |" + " --- |" * len(results))
    for key in keys[1:]:
        print(f"| {key} | " + " | ".join(str(r[key]) for r in results) + " |")
    failures = ("5xx", "lost writes", "duplicates", "silent overwrites", "unaudited changes")
    return 1 if any(r[key] for r in results for key in failures) else 0


if __name__ == "__main__":
    sys.exit(main())
