"""pyproject.toml and environment.yml must describe the same environment."""

import re
import tomllib

from tests.conftest import ROOT


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0].lower().replace("_", "-")


def pyproject_specs() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        specs += extra
    return {_name(s): s.replace(" ", "") for s in specs}


def environment_specs() -> dict[str, str]:
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = lines.index("  - pip:")
    specs = [
        line.strip()[2:].split("#")[0].strip()
        for line in lines[start + 1 :]
        if line.startswith("      - ")
    ]
    return {_name(s): s.replace(" ", "") for s in specs if s != "-e ."}


def test_environment_yml_matches_pyproject():
    py, conda = pyproject_specs(), environment_specs()
    assert sorted(py) == sorted(conda), set(py) ^ set(conda)
    assert py == conda


def test_stack_is_pinned():
    py = pyproject_specs()
    assert py["tensorflow"] == "tensorflow==2.21.*"
    assert py["keras"].startswith("keras==3.")
    assert "importlib-resources" in py  # tensorflow-datasets 4.9.10 forgets to declare it
    for name in ("tensorflow-datasets", "tensorflow-hub", "nbval"):
        assert "==" in py[name], name


def test_environment_yml_installs_this_repository():
    assert "      - -e ." in (ROOT / "environment.yml").read_text().splitlines()
