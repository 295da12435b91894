"""Survey submissions per second under concurrent load, against PostgreSQL.

Creates a fresh PostgreSQL database (dropped at the end), two municipalities in a
collaboration with a coordinator each, the default questionnaire and an open wave with
``--invitees`` invitees, each given a fresh token. Then it starts the application in a
separate process on 127.0.0.1 (DEBUG off, CONN_MAX_AGE 60) and, in the same run, times:

* baseline: ``--concurrency`` client threads sending 2 × ``--submissions`` requests to
  ``/healthz`` (a minimal Django view doing one SELECT 1), as many HTTP requests as the
  submissions make;
* submissions: the same threads, each respondent a fresh cookie jar, GET the form
  (csrftoken cookie and hidden input), then POST valid answers (generated like the
  demo's); a submission counts when it is answered with a redirect to ``/enkat/tack/``.

Afterwards it checks that acknowledged submissions, stored responses and invitees marked
as responded are equal, and that 20 repeated POSTs with used tokens store nothing.

The server (``--server``) is by default Django's threaded development server, the classes
``runserver`` uses, started by this script with TCP_NODELAY on each connection;
``--server runserver`` runs ``python -m samverkan.cli runserver --noreload`` itself, whose
keep-alive responses wait about 40 ms for the client's delayed ACK on Linux (the headers
and the body go out in two writes), which slows the /healthz baseline most.

    .venv/bin/python benchmarks/survey_load.py [--invitees N] [--submissions N]
        [--concurrency N] [--max-seconds S] [--server nodelay|runserver]
        [--admin-url postgresql://…/postgres]
"""

from __future__ import annotations

import argparse
import math
import os
import queue
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

SRC = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))
sys.path.insert(0, SRC)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverkan.settings")

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
THANKS = "/enkat/tack/"


# --- Shared with survey_results.py ---------------------------------------------------


def build_wave(*, invitees: int, seed: int) -> tuple[Any, dict[int, str]]:
    """Two municipalities, a coordinator each, the default questionnaire and an open wave
    with ``invitees`` invitees split between them (a fifth elected, as in the demo).

    Returns the wave and the municipality answer value of each organisation id."""
    from samverkan.demo.surveys import invitee_rows
    from samverkan.organisations import services as org_services
    from samverkan.organisations.models import OrganisationType
    from samverkan.organisations.roles import Role
    from samverkan.surveys import services
    from samverkan.surveys.strata import municipality_value

    rng = random.Random(seed)
    tag = uuid.uuid4().hex[:6]
    orgs = [
        org_services.create_organisation(
            actor=None, name=f"{place} {tag} kommun", type=OrganisationType.MUNICIPALITY
        )
        for place in ("Norrstad", "Sydstad")
    ]
    org_services.create_collaboration(actor=None, name=f"Bench {tag}", members=orgs)
    coordinators = {}
    for org in orgs:
        user = org_services.create_user(actor=None, username=f"bench-{tag}-{org.pk}", password=None)
        org_services.add_membership(actor=None, user=user, organisation=org, role=Role.COORDINATOR)
        coordinators[org.pk] = user
    owner, partner = orgs
    questionnaire = services.ensure_default_questionnaire(
        actor=coordinators[owner.pk], organisation=owner
    )
    wave = services.create_wave(
        actor=coordinators[owner.pk],
        owner=owner,
        name=f"Bench {tag}",
        slug=f"bench-{tag}",
        questionnaire=questionnaire,
        partners=[partner],
        reference_period="de senaste tolv månaderna",
    )
    per_org = [invitees // 2, invitees - invitees // 2]
    for org, count in zip(orgs, per_org, strict=True):
        rows = invitee_rows(org, count, tag=tag, rng=rng)
        services.import_invitees(actor=coordinators[org.pk], wave=wave, rows=rows)
    services.open_wave(actor=coordinators[owner.pk], wave=wave)
    return wave, {o.pk: municipality_value(o) for o in orgs}


def form_fields(answers: dict[str, Any]) -> list[tuple[str, str]]:
    """The POST body a browser sends for these answers: lists become repeated keys;
    matrix answers are already keyed ``item__row``."""
    fields: list[tuple[str, str]] = []
    for key, value in answers.items():
        if isinstance(value, list):
            fields.extend((key, str(v)) for v in value)
        else:
            fields.append((key, str(value)))
    return fields


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


# --- PostgreSQL database and server ----------------------------------------------------


def create_database(admin_url: str) -> tuple[str, str]:
    import psycopg

    name = f"samverkan_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = admin_url.rsplit("/", 1)[0]
    return name, f"{base}/{name}"


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve(port: int) -> None:
    """``--server nodelay``, in the child process: the threaded WSGI server that runserver
    uses (Django's handler, HTTP/1.1 keep-alive), with TCP_NODELAY on each connection."""
    import socketserver

    import django

    django.setup()
    from django.core.servers.basehttp import (
        WSGIRequestHandler,
        WSGIServer,
        get_internal_wsgi_application,
    )

    class Handler(WSGIRequestHandler):
        def setup(self) -> None:
            super().setup()
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    server_cls = type(
        "WSGIServer", (socketserver.ThreadingMixIn, WSGIServer), {"daemon_threads": True}
    )
    httpd = server_cls(("127.0.0.1", port), Handler)
    httpd.set_app(get_internal_wsgi_application())
    httpd.serve_forever()


def start_server(*, kind: str, port: int, database_url: str, var_dir: str, log_path: str) -> Any:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": database_url,
            "SAMVERKAN_DB_CONN_MAX_AGE": "60",
            "SAMVERKAN_DEBUG": "false",
            "SAMVERKAN_REQUIRE_2FA": "false",
            "SAMVERKAN_VAR_DIR": var_dir,
            "SAMVERKAN_LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join(p for p in (SRC, env.get("PYTHONPATH")) if p),
        }
    )
    if kind == "runserver":
        command = ["-m", "samverkan.cli", "runserver", f"127.0.0.1:{port}", "--noreload"]
    else:
        command = [os.path.abspath(__file__), "--serve", str(port)]
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *command], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    process.log = log  # type: ignore[attr-defined]
    return process


def wait_healthy(process: Any, base: str, log_path: str, timeout: float = 60) -> None:
    import requests

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    with open(log_path, errors="replace") as log:
        print(log.read()[-4000:], file=sys.stderr)
    raise SystemExit("the server did not answer /healthz")


def server_errors(log_path: str) -> list[str]:
    seen: dict[str, None] = {}
    with open(log_path, errors="replace") as log:
        for line in log:
            if re.search(r"Error|FATAL|Exception", line) and "Server Error:" not in line:
                seen.setdefault(line.strip(), None)
    return list(seen)


def stop_server(process: Any) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.log.close()


# --- Load generator ---------------------------------------------------------------------


@dataclass
class Job:
    token: str
    fields: list[tuple[str, str]]


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    used: list[tuple[Job, str, str]] = field(default_factory=list)  # job, cookie, csrf input
    first_error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)


def run_threads(
    worker: Any, jobs: list[Any], concurrency: int, max_seconds: float
) -> tuple[Outcome, float]:
    work: queue.Queue[Any] = queue.Queue()
    for job in jobs:
        work.put(job)
    outcome = Outcome()
    deadline = time.monotonic() + max_seconds
    threads = [
        threading.Thread(target=worker, args=(work, outcome, deadline), daemon=True)
        for _ in range(concurrency)
    ]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcome, time.perf_counter() - start


def client(close: bool) -> Any:
    """One client thread's HTTP session; ``close`` sends ``Connection: close``."""
    import requests

    session = requests.Session()
    if close:
        session.headers["Connection"] = "close"
    return session


def healthz_worker(base: str, close: bool) -> Any:
    import requests

    def work(jobs: queue.Queue[int], outcome: Outcome, deadline: float) -> None:
        session = client(close)
        while time.monotonic() < deadline:
            try:
                jobs.get_nowait()
            except queue.Empty:
                break
            start = time.perf_counter()
            try:
                status = session.get(f"{base}/healthz", timeout=60).status_code
            except requests.RequestException as error:
                status = type(error).__name__
            elapsed = time.perf_counter() - start
            with outcome.lock:
                if status == 200:
                    outcome.latencies.append(elapsed)
                else:
                    outcome.failures[str(status)] += 1
        session.close()

    return work


def respondent_worker(base: str, close: bool) -> Any:
    import requests

    def work(jobs: queue.Queue[Job], outcome: Outcome, deadline: float) -> None:
        session = client(close)
        while time.monotonic() < deadline:
            try:
                job = jobs.get_nowait()
            except queue.Empty:
                break
            session.cookies.clear()  # a new respondent, a new browser
            url = f"{base}/enkat/svar/{job.token}/"
            start = time.perf_counter()
            problem = ""
            try:
                form = session.get(url, timeout=60)
                found = CSRF_INPUT.search(form.text)
                if form.status_code != 200 or found is None:
                    problem = f"GET {form.status_code}"
                else:
                    csrf = found.group(1)
                    sent = session.post(
                        url,
                        data=[("csrfmiddlewaretoken", csrf), *job.fields],
                        allow_redirects=False,
                        timeout=60,
                    )
                    location = sent.headers.get("Location", "")
                    if sent.status_code != 302 or not location.endswith(THANKS):
                        problem = f"POST {sent.status_code}"
            except requests.RequestException as error:
                problem = type(error).__name__
            elapsed = time.perf_counter() - start
            with outcome.lock:
                if problem:
                    outcome.failures[problem] += 1
                    if not outcome.first_error and problem.startswith("POST"):
                        outcome.first_error = sent.text[:2000]
                else:
                    outcome.latencies.append(elapsed)
                    if len(outcome.used) < 20:
                        outcome.used.append((job, session.cookies.get("csrftoken", ""), csrf))
        session.close()

    return work


def summary(label: str, outcome: Outcome, wall: float, unit: str) -> float:
    done = len(outcome.latencies)
    rate = done / wall if wall else 0.0
    median = statistics.median(outcome.latencies) * 1000 if done else float("nan")
    p95 = percentile(outcome.latencies, 0.95) * 1000 if done else float("nan")
    failures = dict(outcome.failures) or "none"
    print(
        f"{label}: {done} {unit} in {wall:.1f} s = {rate:.1f} {unit}/s; "
        f"latency median {median:.1f} ms, p95 {p95:.1f} ms; failures: {failures}"
    )
    return rate


# --- Main -------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invitees", type=int, default=25_000)
    parser.add_argument("--submissions", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--max-seconds", type=float, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--server",
        choices=["runserver", "nodelay"],
        default="nodelay",
        help="nodelay (default): runserver's threaded Django WSGI server with TCP_NODELAY; "
        "runserver: samverkan.cli runserver --noreload, whose keep-alive responses wait "
        "for the client's delayed ACK (about 40 ms on Linux)",
    )
    parser.add_argument(
        "--connection",
        choices=["close", "keep-alive"],
        default="keep-alive",
        help="keep-alive (default): one connection per client thread; close: a new "
        "connection per request (with runserver and CONN_MAX_AGE this opens a PostgreSQL "
        "connection per request that is not closed until garbage collection)",
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "SAMVERKAN_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL database to connect to for CREATE/DROP DATABASE",
    )
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    close = args.connection == "close"
    submissions = min(args.submissions, args.invitees)

    var_dir = tempfile.mkdtemp(prefix="samverkan-bench-")
    db_name, database_url = create_database(args.admin_url)
    os.environ["DATABASE_URL"] = database_url
    os.environ["SAMVERKAN_VAR_DIR"] = var_dir
    server = None
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from samverkan.demo.surveys import _answers
        from samverkan.surveys.models import BufferedResponse, Invitee, Response
        from samverkan.surveys.services import issue_link

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        wave, municipalities = build_wave(invitees=args.invitees, seed=args.seed)
        invitees = list(Invitee.objects.filter(wave=wave).order_by("pk"))
        tokens: dict[Any, str] = {}
        for invitee in invitees:
            tokens[invitee.pk] = issue_link(invitee=invitee).token
        Invitee.objects.filter(wave=wave).update(invited=True)
        rng = random.Random(args.seed)
        chosen = rng.sample(invitees, submissions)
        jobs = [
            Job(
                tokens[i.pk],
                form_fields(_answers(rng, i, municipalities[i.organisation_id], 1.0)),
            )
            for i in chosen
        ]
        print(
            f"database: PostgreSQL {db_name}, invitees: {len(invitees)}, "
            f"setup {time.perf_counter() - started:.1f} s"
        )
        connections.close_all()

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log_path = os.path.join(var_dir, "server.log")
        server = start_server(
            kind=args.server,
            port=port,
            database_url=database_url,
            var_dir=var_dir,
            log_path=log_path,
        )
        wait_healthy(server, base, log_path)
        described = {
            "runserver": "samverkan.cli runserver --noreload",
            "nodelay": "Django's threaded WSGI server with TCP_NODELAY",
        }[args.server]
        print(
            f"server: {described} (threaded, DEBUG off, CONN_MAX_AGE 60), pid {server.pid}; "
            f"client threads: {args.concurrency}, connections: "
            f"{'new per request' if close else 'keep-alive'}; CPUs: {os.cpu_count()}"
        )
        # Warm-up: connections and the questionnaire cache of the server process.
        run_threads(
            healthz_worker(base, close), list(range(4 * args.concurrency)), args.concurrency, 30
        )
        import requests

        requests.get(f"{base}/enkat/svar/{jobs[0].token}/", timeout=30)

        cpu0, client0 = cpu_seconds(server.pid), time.process_time()
        health, health_wall = run_threads(
            healthz_worker(base, close),
            list(range(2 * submissions)),
            args.concurrency,
            args.max_seconds,
        )
        cpu1, client1 = cpu_seconds(server.pid), time.process_time()
        load, load_wall = run_threads(
            respondent_worker(base, close), jobs, args.concurrency, args.max_seconds
        )
        cpu2, client2 = cpu_seconds(server.pid), time.process_time()

        print()
        health_rate = summary("baseline GET /healthz", health, health_wall, "requests")
        rate = summary("submissions (GET form + POST)", load, load_wall, "submissions")
        if len(load.latencies) < submissions:
            print(f"  stopped early: {len(load.latencies)} of {submissions} acknowledged")
        if load.first_error:
            print("  first rejected POST:", re.sub(r"\s+", " ", load.first_error)[:300])
        if load.failures or health.failures:
            print("  server log, distinct error lines:")
            for line in server_errors(log_path)[:8]:
                print("   ", line[:300])
        print(f"HTTP requests/s during submissions (2 per submission): {2 * rate:.1f}")
        if rate and health_rate:
            print(
                f"ratio baseline requests/s ÷ submission requests/s: "
                f"{health_rate / (2 * rate):.2f}; "
                f"median submission ÷ median healthz request: "
                f"{statistics.median(load.latencies) / statistics.median(health.latencies):.1f}"
            )
        done = max(1, len(load.latencies))
        print(
            f"server CPU: baseline {cpu1 - cpu0:.1f} s, submissions {cpu2 - cpu1:.1f} s "
            f"({(cpu2 - cpu1) / done * 1000:.1f} ms per submission); client CPU: "
            f"{client1 - client0:.1f} s / {client2 - client1:.1f} s"
        )

        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            )
            print(f"PostgreSQL connections to the database after the load: {cursor.fetchone()[0]}")
        acknowledged = len(load.latencies)
        # Written responses and those still waiting in the buffer for a full batch.
        stored = (
            Response.objects.filter(wave=wave).count()
            + BufferedResponse.objects.filter(wave=wave).count()
        )
        responded = Invitee.objects.filter(wave=wave, responded=True).count()
        verdict = "OK" if acknowledged == stored == responded else "MISMATCH"
        print(
            f"integrity: acknowledged {acknowledged}, responses stored {stored}, "
            f"invitees marked responded {responded}: {verdict}"
        )

        statuses: Counter[int] = Counter()
        for job, cookie, csrf in load.used:
            sent = requests.post(
                f"{base}/enkat/svar/{job.token}/",
                data=[("csrfmiddlewaretoken", csrf), *job.fields],
                cookies={"csrftoken": cookie},
                allow_redirects=False,
                timeout=60,
            )
            statuses[sent.status_code] += 1
        after = (
            Response.objects.filter(wave=wave).count()
            + BufferedResponse.objects.filter(wave=wave).count()
        )
        verdict = "OK" if after == stored else "MISMATCH"
        print(
            f"duplicates: {len(load.used)} POSTs with used tokens answered {dict(statuses)}; "
            f"responses {stored} -> {after}: {verdict}"
        )
    finally:
        if server is not None:
            stop_server(server)
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        drop_database(args.admin_url, db_name)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
