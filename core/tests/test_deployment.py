"""The deployment files agree with what the settings read.

No Docker engine runs where the tests run, so these checks are static: every
environment variable that the settings or gunicorn read is given to the web and
worker containers and documented in `.env.example`.
"""

import ast
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ENV_READERS = {"env", "bool", "int", "float", "list", "db", "str", "url"}


def _variables_read_by(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        first = node.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            continue
        func = node.func
        # env("X"), env.bool("X"), ... in the settings
        is_env_reader = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute)
            and func.attr in ENV_READERS
            and isinstance(func.value, ast.Name)
            and func.value.id == "env"
        )
        # os.environ.get("X") in gunicorn.conf.py
        is_environ_get = (
            isinstance(func, ast.Attribute)
            and func.attr == "get"
            and isinstance(func.value, ast.Attribute)
            and func.value.attr == "environ"
        )
        if is_env_reader or is_environ_get:
            names.add(first.value)
    return names


@pytest.fixture(scope="module")
def variables() -> set[str]:
    settings = ROOT / "config" / "settings"
    files = [settings / "base.py", settings / "local.py", settings / "production.py", ROOT / "gunicorn.conf.py"]
    names = set().union(*(_variables_read_by(path) for path in files))
    assert {"DATABASE_URL", "DJANGO_SECRET_KEY", "CELERY_BROKER_URL", "USE_S3", "GUNICORN_BIND"} <= names
    return names


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.mark.parametrize("service", ["web", "worker"])
def test_compose_gives_every_setting_to_web_and_worker(compose, variables, service):
    environment = compose["services"][service]["environment"]

    assert variables - set(environment) == set()
    assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"


def test_compose_services_wait_for_healthy_dependencies(compose):
    services = compose["services"]
    for name in ("postgres", "redis", "minio"):
        assert "healthcheck" in services[name], name
    for name in ("web", "worker"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert services["web"]["image"] == services["worker"]["image"]


def test_env_example_documents_every_variable(variables):
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))

    assert variables - documented == set()


def test_dockerfile_runs_as_non_root_with_a_healthcheck():
    dockerfile = (ROOT / "Dockerfile").read_text()

    assert dockerfile.count("FROM ") >= 2
    assert re.search(r"^USER app$", dockerfile, re.MULTILINE)
    assert "HEALTHCHECK" in dockerfile
    assert "/healthz" in dockerfile
