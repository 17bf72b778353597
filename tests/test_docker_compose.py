"""docker/: the compose file, Dockerfile and example sources agree with the code (no Docker needed).

Settings names come from the pydantic-settings model, commands are resolved against the Typer
app, so a renamed setting, command or option breaks this test instead of a deployment.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tomllib
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from crawler.cli import app as cli_app
from crawler.config import load_sources
from crawler.config.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCKER = ROOT / "docker"
COMPOSE = DOCKER / "compose.yaml"
DOCKERFILE = DOCKER / "Dockerfile"
PANTAU_SERVICES = ("migrate", "worker", "beat", "flower")

SETTING_NAMES = {f"PANTAU_{name.upper()}" for name in Settings.model_fields}
# Compose-level variables: interpolated into the file, never passed to a container, so they
# are not settings. A typo here would be a new name, which this list makes visible.
COMPOSE_ONLY_VARS = {"PANTAU_REGION"}
# Values for required (`${VAR:?message}`) variables while interpolating.
REQUIRED_VALUES = {"PANTAU_PSEUDONYM_KEY": "test-pseudonym-key",
                   "FLOWER_BASIC_AUTH": "admin:test-password"}

_VAR = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^{}]*))?\}"
    r"|(?P<plain>[A-Za-z_][A-Za-z0-9_]*))"
)


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's substitution: $$, $VAR, ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?e}, ${VAR:+a}."""
    def substitute(match: re.Match[str]) -> str:
        name = match["braced"] or match["plain"]
        op, arg = match["op"], match["arg"] or ""
        value = env.get(name)
        empty = value is None or (value == "" and op is not None and op.startswith(":"))
        if op in (":-", "-"):
            return arg if empty else str(value)
        if op in (":?", "?"):
            if empty:
                raise AssertionError(f"required variable {name} unset: {arg}")
            return str(value)
        if op in (":+", "+"):
            return "" if empty else arg
        return value or ""

    parts = text.split("$$")
    return "$".join(_VAR.sub(substitute, part) for part in parts)


def referenced_vars(text: str) -> set[str]:
    """Names of the variables the compose file interpolates (``$$`` escapes excluded)."""
    return {m["braced"] or m["plain"] for part in text.split("$$") for m in _VAR.finditer(part)}


@pytest.fixture(scope="module")
def raw_compose() -> str:
    return COMPOSE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose(raw_compose: str) -> dict[str, Any]:
    """The compose file as `docker compose up` sees it with an empty environment."""
    data = yaml.safe_load(interpolate(raw_compose, dict(REQUIRED_VALUES)))
    assert isinstance(data, dict)
    return data


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): str(v) for k, v in env.items()}


def argv(service: dict[str, Any], image_entrypoint: list[str]) -> list[str]:
    """The full command line of a service's container (entrypoint + command)."""
    entry = service.get("entrypoint", image_entrypoint)
    command = service.get("command") or []
    entry = entry.split() if isinstance(entry, str) else list(entry)
    command = command.split() if isinstance(command, str) else list(command)
    return [str(a) for a in [*entry, *command]]


def resolve_pantau(args: list[str]) -> Any:
    """Parse ``pantau ARGS`` like the CLI would, without running it; raises on any mistake.

    Returns the leaf command's Click context. Duck-typed: Typer 0.29 vendors its own Click
    (``typer._click``), older Typer uses ``click``; both have these methods.
    """
    command: Any = typer.main.get_command(cli_app)
    ctx: Any = None
    name = "pantau"
    while hasattr(command, "resolve_command"):  # a group: pick the subcommand
        ctx = command.context_class(command, info_name=name, parent=ctx)
        resolved_name, sub, args = command.resolve_command(ctx, args)
        assert sub is not None and resolved_name is not None
        command, name = sub, resolved_name
    return command.make_context(name, list(args), parent=ctx)


def usage_error(kind: str, args: list[str]) -> None:
    """``pantau ARGS`` is rejected with the Click usage error ``kind`` (exit code 2)."""
    with pytest.raises(Exception) as caught:  # Click's classes vary by Typer version
        resolve_pantau(args)
    names = {cls.__name__ for cls in type(caught.value).__mro__}
    assert kind in names and getattr(caught.value, "exit_code", None) == 2, repr(caught.value)


# -- Dockerfile --------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    lines: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        lines.append(pending + stripped)
        pending = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile_instructions()
    starts = [i for i, (op, _) in enumerate(instructions) if op == "FROM"]
    return instructions[starts[-1]:]


def image_entrypoint() -> list[str]:
    entrypoints = [json.loads(arg) for op, arg in final_stage() if op == "ENTRYPOINT"]
    assert entrypoints, "the final stage has no ENTRYPOINT"
    return list(entrypoints[-1])


def build_inputs() -> list[str]:
    """What `pip install .` needs: pyproject.toml, its readme file and the top-level packages."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = project["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = sorted({pattern.rstrip("*").rstrip(".") for pattern in include})
    readme = project["project"].get("readme")
    return ["pyproject.toml", *([readme] if isinstance(readme, str) else []), *packages]


def test_dockerfile_builds_the_package_and_runs_pantau_unprivileged() -> None:
    instructions = dockerfile_instructions()
    assert image_entrypoint() == ["pantau"]
    bases = [arg.split()[0] for op, arg in instructions if op == "FROM"]
    assert bases[-1] == "python:3.12-slim-bookworm"
    copied = {src for op, arg in instructions if op == "COPY" and "--from" not in arg
              for src in arg.split()[:-1]}
    for needed in build_inputs():
        assert needed in copied, f"the Dockerfile does not COPY {needed}"
    installs = [arg for op, arg in instructions if op == "RUN" and "pip install" in arg]
    assert any(re.search(r"pip install\s+(\S+\s+)*\.(\s|$)", arg) for arg in installs)
    assert not any("[test]" in arg or "-e " in arg for arg in installs), "dev/editable install"
    users = [arg.strip() for op, arg in final_stage() if op == "USER"]
    assert users and users[-1] not in ("root", "0", "0:0")
    assert not any(op == "HEALTHCHECK" for op, _ in instructions)
    env_names = {m for op, arg in final_stage() if op == "ENV"
                 for m in re.findall(r"\b(PANTAU_[A-Z_]+)=", arg)}
    assert "PANTAU_STATE_DIR" in env_names
    assert env_names <= SETTING_NAMES


def test_dockerignore_lets_every_copied_path_through() -> None:
    ignore = (DOCKER / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in ignore if line.strip() and not line.startswith("#")]
    assert patterns[0] == "*", "expected an allow-list"
    for needed in build_inputs():
        assert f"!{needed}" in patterns


# -- compose file ------------------------------------------------------------------------------


def test_services_exist(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) >= {"postgres", "redis", *PANTAU_SERVICES}


def test_every_pantau_variable_is_a_setting(raw_compose: str, compose: dict[str, Any]) -> None:
    assert not COMPOSE_ONLY_VARS & SETTING_NAMES, "a compose-only variable became a setting"
    used = {v for v in referenced_vars(raw_compose) if v.startswith("PANTAU_")}
    unknown = used - SETTING_NAMES - COMPOSE_ONLY_VARS
    assert not unknown, f"not settings (typo?): {sorted(unknown)}; known: {sorted(SETTING_NAMES)}"
    for name, service in compose["services"].items():
        keys = {k for k in environment(service) if k.startswith("PANTAU_")}
        assert keys <= SETTING_NAMES, f"{name}: not settings: {sorted(keys - SETTING_NAMES)}"
        assert not keys & COMPOSE_ONLY_VARS, f"{name} passes a compose-only variable"


@pytest.mark.parametrize("service", PANTAU_SERVICES)
def test_pantau_services_get_valid_settings(
    compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = environment(compose["services"][service])
    assert env.get("PANTAU_DATABASE_URL", "").startswith("postgresql://")
    assert env.get("PANTAU_REDIS_URL", "").startswith("redis://")
    assert env.get("PANTAU_PSEUDONYM_KEY")
    assert env.get("PANTAU_CONFIG"), "sources file path unset"
    for key in list(os.environ):
        if key.startswith("PANTAU_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url and "@postgres:" in settings.database_url
    assert settings.redis_url and "@redis:" in settings.redis_url
    mounts = compose["services"][service].get("volumes") or []
    targets = {m["target"] if isinstance(m, dict) else m.split(":")[1] for m in mounts}
    assert str(settings.config) in targets, "PANTAU_CONFIG is not mounted"


def test_required_secrets_have_no_default(raw_compose: str) -> None:
    for name in ("PANTAU_PSEUDONYM_KEY", "FLOWER_BASIC_AUTH"):
        assert f"${{{name}:?" in raw_compose, f"{name} must be required, not defaulted"


@pytest.mark.parametrize("service", ["migrate", "worker", "beat"])
def test_pantau_commands_resolve_in_the_cli(compose: dict[str, Any], service: str) -> None:
    args = argv(compose["services"][service], image_entrypoint())
    assert args[0] == "pantau"
    ctx = resolve_pantau(args[1:])  # an unknown command or option raises a click error
    assert not ctx.args, f"{service}: unexpected extra arguments {ctx.args}"


def test_resolver_rejects_mistakes() -> None:
    usage_error("UsageError", ["wrker"])
    usage_error("UsageError", ["db", "migrat"])
    usage_error("NoSuchOption", ["worker", "--regoin", "62"])
    usage_error("BadParameter", ["worker", "--concurrency", "many"])
    usage_error("MissingParameter", ["sources", "validate"])


def test_migrate_and_worker(compose: dict[str, Any]) -> None:
    services = compose["services"]
    migrate, worker = services["migrate"], services["worker"]
    assert argv(migrate, image_entrypoint())[1:] == ["db", "migrate"]
    assert str(migrate.get("restart", "no")) == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    ctx = resolve_pantau(argv(worker, image_entrypoint())[1:])
    assert ctx.info_name == "worker"
    assert ctx.params["region"] == ["62"] and ctx.params["concurrency"] >= 1
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert worker["depends_on"]["redis"]["condition"] == "service_healthy"
    assert worker.get("init") is True
    assert "container_name" not in worker and "ports" not in worker, "blocks --scale worker=N"
    limit = int(environment(worker).get("PANTAU_TASK_TIME_LIMIT")
                or Settings.model_fields["task_time_limit"].default)
    assert duration_seconds(worker["stop_grace_period"]) > limit, "warm shutdown cut short"


def test_beat(compose: dict[str, Any]) -> None:
    beat = compose["services"]["beat"]
    assert resolve_pantau(argv(beat, image_entrypoint())[1:]).info_name == "beat"
    assert beat["depends_on"]["redis"]["condition"] == "service_healthy"
    assert beat.get("restart") == "unless-stopped" and beat.get("init") is True
    assert "ports" not in beat


def duration_seconds(value: str | int) -> float:
    """A compose duration (``1h1m``, ``90s``, ``300``) in seconds."""
    if isinstance(value, int):
        return float(value)
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", value)
    assert "".join(n + u for n, u in parts) == value, f"bad duration {value!r}"
    return sum(float(n) * units[u] for n, u in parts)


def test_flower_command_and_auth(compose: dict[str, Any]) -> None:
    flower = compose["services"]["flower"]
    args = argv(flower, image_entrypoint())
    assert args[:2] == ["pantau", "flower"]
    ctx = resolve_pantau(args[1:])
    assert ctx.params["address"] == "0.0.0.0" and ctx.params["port"] == 5555
    importlib.import_module("tasks.app")
    assert importlib.util.find_spec("flower") is not None
    assert "flower" in {ep.name for ep in entry_points(group="celery.commands")}
    from flower.options import options

    for arg in ctx.args:  # after `--`: Flower's own options
        assert arg.startswith("--") and "=" in arg, f"use --option=value: {arg}"
        assert arg[2:].split("=", 1)[0] in options, f"not a Flower option: {arg}"
    # beyond loopback `pantau flower` refuses to start without it
    assert environment(flower).get("PANTAU_FLOWER_BASIC_AUTH")
    assert flower["ports"] == ["127.0.0.1:5555:5555"], "Flower must bind to the host's loopback"


def test_postgres_and_redis(compose: dict[str, Any]) -> None:
    postgres, redis = compose["services"]["postgres"], compose["services"]["redis"]
    assert postgres["image"].startswith("postgres:") and int(postgres["image"][9:]) >= 15
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    redis_args = [str(a) for a in redis["command"]]
    assert redis_args[redis_args.index("--appendonly") + 1] == "yes"
    assert "ping" in " ".join(redis["healthcheck"]["test"])
    named = set(compose["volumes"])
    for service in (postgres, redis):
        assert any(str(v).split(":")[0] in named for v in service["volumes"]), "no named volume"
    for name in ("postgres", "redis"):
        assert "ports" not in compose["services"][name], f"{name} published by default"


def test_example_sources_validate() -> None:
    parsed = load_sources(DOCKER / "sources.example.yaml")
    region = next(r for r in parsed.regions if r.code == "62")
    assert region.timezone == "Asia/Jakarta"
    sources = parsed.sources()
    assert sources and all(s.engine == "phpbb" for s in sources)
    assert all(s.authors == "pseudonymize" for s in sources)


def test_docker_compose_config_when_available() -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker client")
    try:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, timeout=20,
                               check=False)
    except (OSError, subprocess.TimeoutExpired):
        pytest.skip("docker compose not usable")
    if probe.returncode != 0:
        pytest.skip("the docker compose plugin is not installed")
    env = {**os.environ, **REQUIRED_VALUES}
    result = subprocess.run([docker, "compose", "-f", str(COMPOSE), "config", "--quiet"],
                            capture_output=True, text=True, env=env, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
