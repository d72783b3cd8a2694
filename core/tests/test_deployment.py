"""The deployment files agree with what the settings read.

No Docker engine runs where the tests run, so these checks are static: every
environment variable that the settings or gunicorn read is given to the web and
worker containers and documented in `.env.example`.
"""

import ast
import re
import shutil
import subprocess
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


# Secrets that docker-compose.yml must take from the environment or `.env`, never from a default.
COMPOSE_SECRETS = {"DJANGO_SECRET_KEY", "POSTGRES_PASSWORD", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD"}
# ${NAME}, ${NAME:-default} or ${NAME:?message}; "$$" is compose's escape for a literal "$".
COMPOSE_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<kind>:[-?])(?P<word>[^}]*))?\}")


class ComposeVariableMissing(Exception):
    pass


def _interpolate(value, environment: dict[str, str]):
    """docker compose's interpolation of `${...}` in every string of the loaded file."""
    if isinstance(value, dict):
        return {key: _interpolate(item, environment) for key, item in value.items()}
    if isinstance(value, list):
        return [_interpolate(item, environment) for item in value]
    if not isinstance(value, str):
        return value

    def substitute(match):
        name, kind, word = match["name"], match["kind"], match["word"]
        if environment.get(name):
            return environment[name]
        if kind == ":?":
            raise ComposeVariableMissing(f"required variable {name} is missing a value: {word}")
        return word or ""

    parts = value.split("$$")
    return "$".join(COMPOSE_VARIABLE.sub(substitute, part) for part in parts)


def _read_env_file(path: Path) -> dict[str, str]:
    lines = path.read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def _make_compose_env(path: Path) -> None:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    # The Makefile's own target, on a file in the test's temporary folder.
    subprocess.run([make, "-s", "-C", str(ROOT), "compose-env", f"COMPOSE_ENV={path}"], check=True)  # noqa: S603


@pytest.fixture
def compose_env(tmp_path) -> Path:
    """A `.env` for compose written by `make compose-env` into a temporary folder."""
    path = tmp_path / ".env"
    _make_compose_env(path)
    return path


def test_compose_has_no_default_for_any_secret(compose):
    text = (ROOT / "docker-compose.yml").read_text()
    used = {}
    # "$${NAME}" is a literal the container's shell expands, not compose.
    for match in COMPOSE_VARIABLE.finditer(text.replace("$$", "")):
        used.setdefault(match["name"], set()).add(match["kind"])

    assert set(used) >= COMPOSE_SECRETS
    for name in COMPOSE_SECRETS:
        assert used[name] == {":?"}, f"{name} must be ${{{name}:?message}} everywhere"
    assert "compose-only-secret-key" not in text
    assert "minio-secret-key" not in text
    assert "postgres://app:app@" not in text


def test_compose_names_each_unset_secret(compose):
    for name in COMPOSE_SECRETS:
        environment = dict.fromkeys(COMPOSE_SECRETS - {name}, "x")

        with pytest.raises(ComposeVariableMissing, match=f"required variable {name} is missing a value: set it in"):
            _interpolate(compose, environment)


def test_make_compose_env_writes_every_secret_once(compose_env):
    first = _read_env_file(compose_env)
    _make_compose_env(compose_env)

    assert set(first) == COMPOSE_SECRETS
    assert all(len(first[name]) >= 32 for name in COMPOSE_SECRETS - {"MINIO_ROOT_USER"})
    assert _read_env_file(compose_env) == first
    assert compose_env.stat().st_mode & 0o077 == 0


def test_make_compose_env_keeps_what_env_already_holds(tmp_path):
    path = tmp_path / ".env"
    path.write_text("DJANGO_DEBUG=true\nDJANGO_SECRET_KEY=mine")  # no final newline

    _make_compose_env(path)

    written = _read_env_file(path)
    assert written["DJANGO_DEBUG"] == "true"
    assert written["DJANGO_SECRET_KEY"] == "mine"
    assert set(written) == COMPOSE_SECRETS | {"DJANGO_DEBUG"}


def test_compose_wires_the_generated_secrets_into_every_service(compose, compose_env):
    secrets = _read_env_file(compose_env)
    services = _interpolate(compose, secrets)["services"]

    for name in ("web", "worker", "migrate"):
        environment = services[name]["environment"]
        assert environment["DJANGO_SECRET_KEY"] == secrets["DJANGO_SECRET_KEY"]
        assert environment["DATABASE_URL"] == f"postgres://app:{secrets['POSTGRES_PASSWORD']}@postgres:5432/app"
        assert environment["AWS_ACCESS_KEY_ID"] == secrets["MINIO_ROOT_USER"]
        assert environment["AWS_SECRET_ACCESS_KEY"] == secrets["MINIO_ROOT_PASSWORD"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == secrets["POSTGRES_PASSWORD"]
    for name in ("minio", "minio-bucket"):
        assert services[name]["environment"]["MINIO_ROOT_USER"] == secrets["MINIO_ROOT_USER"]
        assert services[name]["environment"]["MINIO_ROOT_PASSWORD"] == secrets["MINIO_ROOT_PASSWORD"]


def test_compose_publishes_web_directly_with_no_proxy_hops(compose):
    web = compose["services"]["web"]

    assert web["ports"] == ["8000:8000"]
    assert _interpolate(web["environment"]["NUM_PROXIES"], {}) == "0"
    text = (ROOT / "docker-compose.yml").read_text()
    assert "NUM_PROXIES=1" in text  # says what to set once a proxy is put in front


def test_compose_env_file_is_kept_out_of_git_and_the_image():
    # The secrets file compose reads must not be committed nor copied into the image by `COPY . .`.
    assert ".env" in (ROOT / ".gitignore").read_text().splitlines()
    assert ".env" in (ROOT / ".dockerignore").read_text().splitlines()
