"""yamllint, with the repository's .yamllint, over the chart's values and Chart.yaml and the plain manifests.

Helm templates (`{{ }}` is not YAML) are left out here; their rendered output is linted in test_helm_chart.
"""

from __future__ import annotations

from deploy_support import CHART, K8S, REPO
from yamllint import linter
from yamllint.config import YamlLintConfig

CONFIG = YamlLintConfig(file=str(REPO / ".yamllint"))


def linted_files() -> list:
    candidates = [*CHART.rglob("*.yaml"), *K8S.rglob("*.yaml"), *REPO.joinpath("tests", "deploy").glob("*.yaml")]
    return sorted(p for p in candidates if not CONFIG.is_file_ignored(str(p.relative_to(REPO))))


def test_lint_covers_values_chart_and_manifests_but_not_templates():
    names = {str(p.relative_to(REPO)) for p in linted_files()}
    assert {
        "helm/osprey/values.yaml",
        "helm/osprey/values-sidecar.yaml",
        "helm/osprey/values-cdn-origin.yaml",
        "helm/osprey/Chart.yaml",
        "deploy/k8s/base/kustomization.yaml",
        "deploy/k8s/base/deployment.yaml",
        "deploy/k8s/overlays/deployment/kustomization.yaml",
        "deploy/k8s/overlays/sidecar/kustomization.yaml",
    } <= names
    assert not [n for n in names if n.startswith("helm/osprey/templates/")]


def test_yaml_files_are_lint_clean():
    problems = [
        f"{path.relative_to(REPO)}:{p.line}:{p.column}: {p.message}"
        for path in linted_files()
        for p in linter.run(path.read_text(encoding="utf-8"), CONFIG, str(path.relative_to(REPO)))
    ]
    assert problems == []


def test_lint_config_itself_is_lint_clean():
    text = (REPO / ".yamllint").read_text(encoding="utf-8")
    assert list(linter.run(text, CONFIG)) == []
