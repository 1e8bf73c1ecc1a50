"""``auth_load``: what a legitimate API client gets while anonymous clients hammer sign-in.

HTTP Basic authentication made the server hash a password on every API request, so eight
anonymous clients sending wrong passwords cut a token client's service from ~80 to ~3
requests/s. This probe starts a real server (gunicorn from this environment with
production's settings, config/gunicorn.py: ``2 × cores + 1`` workers of 4 threads, or
``BENCH_THREADS``; on a free loopback port, against the bench database) and drives it over
HTTP:

1. the token client alone (``GET /api/v1/me/`` with ``Authorization: Bearer``, one request
   after another) for ``--seconds``, before and after the attack (the mean of the two is
   the reference: the machine's other load drifts);
2. the same, while ``--attackers`` clients (threads of one process: their CPU stands for
   machines elsewhere, not for this server's) send wrong passwords, in turn, to the sign-in
   form (with a valid CSRF token, as a browser would) and in HTTP Basic headers to the API.

It prints both rates side by side and their ratio (target: at least 0.8), and what the
attackers got back. Run it alone with ``python -m bench --scale 0.01 --only auth_load``.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from base64 import b64encode
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

HOST = "127.0.0.1"
USERNAME = "bench_token_client"
ROOT = Path(__file__).resolve().parent.parent
# gunicorn as in production (config/gunicorn.py: gthread workers, GUNICORN_THREADS threads
# each); BENCH_THREADS, if set, is the bench's own choice of threads
THREADS = int(os.environ.get("BENCH_THREADS") or os.environ.get("GUNICORN_THREADS") or "4")
GUNICORN_CONFIG = ROOT / "config" / "gunicorn.py"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _request(port: int, method: str, path: str, *, headers=None, body=None):
    """One request on a new connection (gunicorn's sync workers close each one anyway):
    (status, headers, body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def _token_for_bench() -> str:
    """A fresh token of the bench's API client (earlier runs' tokens revoked), and no
    lockout left over from an earlier run."""
    from axes.models import AccessAttempt
    from django.contrib.auth import get_user_model

    from accounts.models import ApiToken
    from accounts.services import token_create, token_revoke

    user, _created = get_user_model().objects.get_or_create(
        username=USERNAME, defaults={"email": f"{USERNAME}@bench.invalid"})
    for token in ApiToken.objects.active().filter(user=user):
        token_revoke(actor=user, token=token)
    AccessAttempt.objects.filter(ip_address=HOST).delete()
    _token, secret = token_create(actor=user, name="bench auth_load", days=1)
    return secret


class Server:
    """gunicorn serving config.wsgi on a free loopback port, its output in var/."""

    def __init__(self, workers: int):
        self.port = _free_port()
        self.workers = workers
        self.log = ROOT / "var" / "bench-auth-load-gunicorn.log"
        self.process = None

    def __enter__(self):
        gunicorn = Path(sys.executable).with_name("gunicorn")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings",
               "DJANGO_ALLOWED_HOSTS": HOST, "REGISTRY_REQUIRE_2FA_FOR": "",
               "GUNICORN_THREADS": str(THREADS)}
        self.log.parent.mkdir(exist_ok=True)
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own executable
                [str(gunicorn), "-c", str(GUNICORN_CONFIG), "config.wsgi",
                 "--workers", str(self.workers), "--bind", f"{HOST}:{self.port}"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn exited with {self.process.returncode}: see {self.log}")
            try:
                _request(self.port, "GET", "/healthz")
                return self
            except OSError:
                time.sleep(0.2)
        sys.exit(f"gunicorn did not answer within 60 s: see {self.log}")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _token_client(port: int, secret: str, seconds: float) -> tuple[float, Counter]:
    """Requests/s of 200 answers the token client gets in ``seconds``, one after another."""
    headers = {"Authorization": f"Bearer {secret}", "Accept": "application/json"}
    statuses = Counter()
    ok = 0
    started = time.monotonic()
    while (elapsed := time.monotonic() - started) < seconds:
        status, _headers, _body = _request(port, "GET", "/api/v1/me/", headers=headers)
        statuses[status] += 1
        ok += status == 200
    return ok / elapsed, statuses


class Attacker(threading.Thread):
    """Wrong passwords, as fast as the server answers: the sign-in form (with the CSRF
    cookie and token a browser would have) and HTTP Basic on the API, in turn."""

    def __init__(self, port: int, number: int, halt: threading.Event):
        super().__init__(daemon=True)
        self.port, self.number, self.halt = port, number, halt
        self.statuses = Counter()

    def _csrf(self) -> tuple[str, str]:
        _status, headers, body = _request(self.port, "GET", "/accounts/login/")
        cookie = next(v.split(";")[0] for k, v in headers
                      if k.lower() == "set-cookie" and v.startswith("csrftoken="))
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
        return cookie, token.decode()

    def run(self):
        cookie, csrf = self._csrf()
        n = 0
        while not self.halt.is_set():
            n += 1
            # many usernames, one of them the token client's own account
            username = USERNAME if n % 4 == 0 else f"guess{self.number}-{n}"
            try:
                if n % 2:
                    body = urlencode({"username": username, "password": f"wrong-{n}",
                                      "csrfmiddlewaretoken": csrf})
                    status, _h, _b = _request(self.port, "POST", "/accounts/login/", body=body,
                                              headers={"Cookie": cookie,
                                                       "Content-Type":
                                                       "application/x-www-form-urlencoded",
                                                       "Referer": f"http://{HOST}/"})
                    self.statuses[f"sign-in {status}"] += 1
                else:
                    basic = b64encode(f"{username}:wrong-{n}".encode()).decode()
                    status, _h, _b = _request(self.port, "GET", "/api/v1/me/",
                                              headers={"Authorization": f"Basic {basic}"})
                    self.statuses[f"basic {status}"] += 1
            except OSError as error:
                self.statuses[f"error {type(error).__name__}"] += 1


def probe_auth_load(args, emit) -> None:
    secret = _token_for_bench()
    workers = 2 * _cores() + 1
    seconds = args.seconds
    with Server(workers) as server:
        _token_client(server.port, secret, 1.0)  # warm every worker's imports and connection
        before, alone_statuses = _token_client(server.port, secret, seconds)
        halt = threading.Event()
        attackers = [Attacker(server.port, n, halt) for n in range(args.attackers)]
        for attacker in attackers:
            attacker.start()
        time.sleep(1.0)  # the attack under way (and the lockouts in place) before measuring
        attacked, attacked_statuses = _token_client(server.port, secret, seconds)
        halt.set()
        for attacker in attackers:
            attacker.join(timeout=30)
        # alone again: the machine's other load drifts, so the reference is the mean of the
        # runs just before and just after the attack
        after, after_statuses = _token_client(server.port, secret, seconds)
    alone = (before + after) / 2
    alone_statuses.update(after_statuses)
    got = Counter()
    for attacker in attackers:
        got.update(attacker.statuses)
    attack_rate = sum(got.values()) / (seconds + 1.0)
    ratio = attacked / alone if alone else 0.0
    print(f"auth_load: token client alone {alone:.1f} req/s (before {before:.1f}, after "
          f"{after:.1f}) | with {args.attackers} attackers "
          f"{attacked:.1f} req/s | ratio {ratio:.2f} (target >= 0.8) | attackers sent "
          f"{attack_rate:.0f} req/s: {dict(sorted(got.items()))}", file=sys.stderr, flush=True)
    common = {"workers": workers, "threads": THREADS, "cores": _cores(),
              "seconds": seconds, "attackers": args.attackers}
    emit("auth_token_rps_alone", round(alone, 1), "req/s", "(reference)", alone > 0,
         statuses=dict(alone_statuses), before=round(before, 1), after=round(after, 1),
         **common)
    emit("auth_token_rps_attacked", round(attacked, 1), "req/s",
         f"with {args.attackers} sign-in attackers", attacked > 0,
         statuses=dict(attacked_statuses), attacker_rps=round(attack_rate, 1),
         attacker_answers=json.loads(json.dumps(dict(got))), **common)
    emit("auth_attacked_vs_alone", round(ratio, 2), "x", ">= 0.8", ratio >= 0.8,
         baseline=round(alone, 1), baseline_name="token client alone, req/s", **common)
