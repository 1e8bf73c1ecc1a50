"""Under CI (``CI=true``, set by .ci/run) the browser tests fail when they cannot run; on a
developer's machine without a browser they are skipped, saying how to enable them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run_one_browser_test(**env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/browser/test_roles.py", "-k", "public and desktop"],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
        env={**os.environ, "CHROMIUM_PATH": "/nonexistent/chromium", **env}, check=False)


@pytest.mark.parametrize("ci", ["true"])
def test_without_chromium_ci_fails_the_browser_tests(ci):
    run = _run_one_browser_test(CI=ci)
    assert run.returncode != 0, run.stdout
    assert "CI=true and the browser tests cannot run: no Chromium" in run.stdout
    assert "skipped" not in run.stdout.splitlines()[-1]


def test_without_chromium_a_developer_sees_them_skipped_with_the_reason():
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
         "tests/browser/test_roles.py", "-k", "public and desktop"],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
        env={**env, "CHROMIUM_PATH": "/nonexistent/chromium"}, check=False)
    assert run.returncode == 0, run.stdout
    assert "no Chromium at /nonexistent/chromium" in run.stdout
