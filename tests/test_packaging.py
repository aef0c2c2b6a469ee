"""The files that describe how to run Sieve (compose, Dockerfile, .env.example) stay true."""

from __future__ import annotations

import ast
import importlib.util
import re
import shutil
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner

from service.cli.main import cli
from service.settings import VARIABLES

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
IMAGES_OWN_ENV = {
    "postgres": {"POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD"},
    "grafana": {"GF_SECURITY_ADMIN_PASSWORD", "GF_AUTH_ANONYMOUS_ENABLED"},
}


def documented_variables() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^([A-Z][A-Z0-9_]+)=", text, re.MULTILINE))


def test_every_setting_is_documented_in_env_example_and_readme():
    readme = (ROOT / "README.md").read_text()
    for name in VARIABLES:
        assert name in documented_variables(), f"{name} missing from .env.example"
        assert name in readme, f"{name} missing from README.md"


def test_compose_has_the_expected_services():
    services = COMPOSE["services"]
    assert {"web", "worker", "redis", "postgres", "migrate"} <= set(services)
    assert "container_name" not in services["worker"], "a named container cannot be scaled"
    assert "ports" not in services["worker"]
    assert "/readyz" in " ".join(services["web"]["healthcheck"]["test"])


def test_compose_variables_exist():
    text = (ROOT / "docker-compose.yml").read_text()
    for name in set(re.findall(r"\$\{([A-Z0-9_]+)", text)):
        assert name in documented_variables(), f"${{{name}}} is not documented in .env.example"
    for name, service in COMPOSE["services"].items():
        for variable in service.get("environment", {}):
            known = set(VARIABLES) | IMAGES_OWN_ENV.get(name, set())
            assert variable in known, f"{name}: {variable} is not a variable Sieve reads"


def sieve_commands():
    for name, service in COMPOSE["services"].items():
        command = service.get("command")
        if service.get("build") and command:
            yield name, command


def test_compose_commands_exist():
    runner = CliRunner()
    for name, command in sieve_commands():
        program, *args = command
        if program == "sieve":
            subcommand = [arg for arg in args if not arg.startswith("-")]
            result = runner.invoke(cli, [*subcommand, "--help"])
            assert result.exit_code == 0, f"{name}: `sieve {' '.join(args)}` is not a command"
        elif program == "gunicorn":
            assert shutil.which("gunicorn", path=str(Path(sys.executable).parent))
            module, _, attribute = args[-1].partition(":")
            assert_module_defines(module, attribute)
        else:
            raise AssertionError(f"{name}: unexpected program {program}")


def assert_module_defines(module: str, attribute: str) -> None:
    spec = importlib.util.find_spec(module)
    assert spec and spec.origin, f"{module} does not exist"
    tree = ast.parse(Path(spec.origin).read_text())
    names = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert attribute in names, f"{module} defines no {attribute}"


def test_dockerfile_copies_what_exists():
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), f"Dockerfile copies missing {source}"
    entry = (ROOT / "Dockerfile").read_text().split("CMD")[-1]
    assert "service.wsgi:app" in entry
