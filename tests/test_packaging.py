"""pyproject.toml and environment.yml must describe the same environment."""

import re
import tomllib

from tests.conftest import ROOT


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[; ]", spec, maxsplit=1)[0].lower().replace("_", "-")


def pyproject_specs(*, colab: bool = False) -> dict[str, str]:
    """Our stack's requirements (the dependencies and extras but `colab`; where an extra
    pins a dependency, as `lab` pins TensorFlow, the pin), or the `colab` extra's: what the
    setup cell adds to Colab's own stack."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    if colab:
        specs = extras["colab"]
    else:
        specs = list(project["dependencies"])
        for name, extra in extras.items():
            specs += [] if name == "colab" else extra
    return {_name(s): s.replace(" ", "") for s in specs}  # the later spec of a name wins


def dependency_specs() -> dict[str, str]:
    """`common`'s own dependencies (no extra): what the setup cell installs on Colab."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {_name(s): s.replace(" ", "") for s in project["dependencies"]}


def colab_versions() -> dict[str, str]:
    """Colab's shipped versions: tests/colab_stack/constraints.txt's ``name==version`` lines."""
    path = ROOT / "tests" / "colab_stack" / "constraints.txt"
    pins = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return {_name(p): p.split("==", 1)[1] for p in pins if "==" in p}


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


# Imported but deliberately not declared: each only where it is optional.
OPTIONAL_IMPORTS = {
    "pydot": "keras.utils.plot_model's renderer: viz draws without it",
    "kagglehub": "keras-hub's own dependency, read only to find its cache",
    "tensorflow_metadata": "tensorflow-datasets' dependency, imported only to explain a failure",
}


def _imported_modules() -> set[str]:
    """Top-level modules imported by common and by the notebooks' code cells."""
    import ast
    import json
    import sys

    found = set()

    def scan(code):
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Import):
                found.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])

    for path in (ROOT / "common").rglob("*.py"):
        scan(path.read_text(encoding="utf-8"))
    for path in ROOT.glob("course*/week*/*.ipynb"):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                lines = "".join(cell["source"]).splitlines()
                scan("\n".join(re.sub(r"^(\s*)[%!].*", r"\1pass", line) for line in lines))
    return {m for m in found if m not in sys.stdlib_module_names and m != "common"}


def test_every_import_is_declared():
    """A package the code imports but pyproject.toml does not declare installs by luck (as
    importlib_resources did, through setuptools): every import maps to a declared package."""
    from importlib import metadata

    declared = set(pyproject_specs()) | set(pyproject_specs(colab=True))
    owners = metadata.packages_distributions()
    undeclared = {
        module: owners.get(module)
        for module in _imported_modules() - set(OPTIONAL_IMPORTS)
        if not {_name(d) for d in owners.get(module, [module])} & declared
    }
    assert not undeclared, f"imported but not declared in pyproject.toml: {undeclared}"


def test_what_tfds_and_hub_need_is_declared():
    """The learner's-stack defects, declared away: tensorflow-hub 0.16.1 needs
    pkg_resources (setuptools < 82); tensorflow-datasets needs importlib_resources and a
    protobuf its tensorflow-metadata accepts; Colab gets tensorflow-metadata 1.17.1."""
    from packaging.requirements import Requirement

    for specs in (pyproject_specs(), pyproject_specs(colab=True)):
        assert "82" not in Requirement(specs["setuptools"]).specifier
        assert "81.9" in Requirement(specs["setuptools"]).specifier
        assert "importlib-resources" in specs
    assert "6.31.1" in Requirement(pyproject_specs()["protobuf"]).specifier
    assert "5.29.6" not in Requirement(pyproject_specs()["protobuf"]).specifier
    assert pyproject_specs(colab=True)["tensorflow-metadata"] == "tensorflow-metadata==1.17.1"


def test_colab_keeps_its_own_versions_of_what_common_needs():
    """The setup cell installs `common` on Colab with its dependencies (no --no-deps, so that
    the `colab` extra comes with it): every dependency must be a range that Colab's shipped
    version already satisfies, or pip would replace Colab's TensorFlow (or Keras, NumPy...)
    under its running kernel. And each range holds our pins and what this stack has."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.version import Version

    colab, ours = colab_versions(), pyproject_specs()
    for name, spec in dependency_specs().items():
        wanted = Requirement(spec).specifier
        assert name in colab, f"{name}: not in Colab's stack; the setup cell would add it"
        assert wanted.contains(Version(colab[name])), f"{spec} rejects Colab's {colab[name]}"
        assert wanted.contains(Version(metadata.version(name))), f"{spec} rejects this stack's"
        pinned = Requirement(ours[name]).specifier
        if pinned != wanted:  # the lab extra's pin: its lowest release must be in range
            lowest = next(iter(pinned)).version.rstrip(".*")
            assert wanted.contains(Version(lowest)), f"{ours[name]} is outside {spec}"


def test_environment_yml_installs_this_repository():
    assert "      - -e ." in (ROOT / "environment.yml").read_text().splitlines()


def test_every_package_of_common_is_installed():
    """A plain (not editable) install, as on Colab, carries common's subpackages too."""
    from setuptools import find_packages

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    found = set(find_packages(str(ROOT), **config["packages"]["find"]))
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "common").rglob("__init__.py")
    }
    assert on_disk == found, on_disk ^ found
