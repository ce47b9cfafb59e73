"""The deployment recipe and production settings."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_is_clean_under_production_settings():
    env = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": "a-production-secret-" + "x" * 50,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "plp.example.org",
        "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_docker_compose_accepts_the_recipe():
    if shutil.which("docker-compose"):
        command = ["docker-compose", "config", "-q"]
    elif shutil.which("docker"):
        command = ["docker", "compose", "config", "-q"]
    else:
        pytest.fail("neither docker-compose nor docker compose is installed (make test installs it)")
    result = subprocess.run(
        command, cwd=ROOT, env={**os.environ, "SECRET_KEY": "x"}, capture_output=True,
        text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    services = subprocess.run(
        [*command[:-1], "--services"], cwd=ROOT, env={**os.environ, "SECRET_KEY": "x"},
        capture_output=True, text=True, timeout=60,
    ).stdout.split()
    assert set(services) == {"web", "worker", "beat", "postgres", "redis"}
