"""The server is not a hole: host names, the access token, CSRF, size limits, the
Content-Security-Policy, and no stack trace in any answer."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from mediashelf.web.app import create_app
from mediashelf.web.security import load_token
from tests.conftest import Shelf
from tests.web import lib
from tests.web.conftest import csrf

Library = tuple[Path, Path, dict[str, Path]]


def test_every_page_has_a_strict_policy(client: TestClient) -> None:
    for url in ("/albums", "/api/items", "/static/app.js", "/nowhere"):
        r = client.get(url)
        policy = r.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"


def test_a_loopback_server_answers_only_to_loopback_names(client: TestClient) -> None:
    assert client.get("/albums", headers={"Host": "evil.example:8765"}).status_code == 421
    assert client.get("/albums", headers={"Host": "localhost:8765"}).status_code == 200


def test_changes_need_a_post_with_the_csrf_token(client: TestClient, library: Library) -> None:
    _, _, files = library
    ids = lib.ids_by_name(client)
    body = {
        "kind": "exact",
        "action": "delete",
        "groups": [{"id": ids["Come Together.mp3"]}],
        "apply": True,
    }
    assert client.post("/api/dupes/resolve", json=body).status_code == 403
    assert (
        client.post("/api/dupes/resolve", json=body, headers={"X-CSRF-Token": "guess"}).status_code
        == 403
    )
    form = {"kind": "exact", "action": "trash", "group": str(ids["Come Together.mp3"])}
    assert client.post("/dupes/plan", data=form).status_code == 403
    # the right token, but sent from another site
    cross = {**csrf(client), "Origin": "http://evil.example"}
    assert client.post("/api/dupes/resolve", json=body, headers=cross).status_code == 403
    assert client.get("/api/dupes/resolve").status_code == 405  # no change by GET
    assert client.get("/history/1/undo").status_code == 405
    assert files["come"].exists() and files["copy"].exists()


def test_requests_are_size_limited(client: TestClient) -> None:
    big = client.post(
        "/api/scans",
        content=b"x" * 200_000,
        headers={**csrf(client), "Content-Type": "application/json"},
    )
    assert big.status_code == 413
    assert client.get("/api/items", params={"q": "a" * 20_000}).status_code == 414


def test_no_stack_trace_reaches_a_client(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mediashelf.web import views

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals at /home/me")

    monkeypatch.setattr(views, "page", boom)
    for url in ("/api/items", "/search?q=x"):
        r = client.get(url)
        assert r.status_code == 500
        assert (
            "Traceback" not in r.text
            and "secret internals" not in r.text
            and "views.py" not in r.text
        )


def test_the_token_is_made_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "serve-token"
    token, made = load_token(path)
    assert made and len(token) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_token(path) == (token, False)


def test_a_token_guards_every_request(library: Library, tmp_path: Path) -> None:
    db, _, _ = library
    state = lib.state(db, tmp_path / "thumbs", token="s3cret-token-" + "x" * 32, host="0.0.0.0")
    with TestClient(create_app(state), base_url="http://192.0.2.10:8765") as c:
        assert c.get("/albums").status_code == 401
        assert c.get("/api/items").status_code == 401
        assert c.get("/albums?token=wrong").status_code == 401
        bearer = {"Authorization": f"Bearer {state.policy.token}"}
        assert c.get("/api/items", headers=bearer).status_code == 200
        login = c.get(f"/search?q=a&token={state.policy.token}", follow_redirects=False)
        assert login.status_code == 303 and login.headers["location"] == "/search?q=a"
        cookie = login.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert c.get("/albums").status_code == 200  # the cookie now
        # a bearer token stands in for the CSRF token (no browser sends one by itself)
        assert c.post("/api/scans", json={"roots": []}, headers=bearer).status_code == 400


def _serve(shelf: Shelf, *args: str) -> tuple[subprocess.Popen[bytes], list[str]]:
    proc = shelf.popen("serve", "--port", "0", *args)
    assert proc.stderr is not None
    lines = [proc.stderr.readline().decode()]
    if "--host" in args:
        lines.append(proc.stderr.readline().decode())
        if "shown only" in lines[-1]:
            lines.append(proc.stderr.readline().decode())
    return proc, lines


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def test_serve_prints_the_token_once_and_listens_on_localhost_by_default(
    shelf: Shelf, library: Library, isolated_env: dict[str, str]
) -> None:
    import urllib.request

    shelf.db = library[0]
    proc, lines = _serve(shelf)
    try:
        assert "http://127.0.0.1:" in lines[0] and "access token" not in "".join(lines)
        url = lines[0].split(" at ", 1)[1].split()[0]
        with urllib.request.urlopen(url + "api/items?limit=1", timeout=10) as r:
            assert r.status == 200
    finally:
        _stop(proc)
    token_file = Path(isolated_env["XDG_CONFIG_HOME"]) / "mediashelf" / "serve-token"
    proc, lines = _serve(shelf, "--host", "0.0.0.0")
    try:
        token = token_file.read_text().strip()
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert sum(token in line for line in lines) == 2  # the token, and the link with it
    finally:
        _stop(proc)
    proc, lines = _serve(shelf, "--host", "0.0.0.0")
    try:
        assert not any(token in line for line in lines) and str(token_file) in lines[1]
    finally:
        _stop(proc)


def test_serve_refuses_bad_arguments_in_one_line(shelf: Shelf, library: Library) -> None:
    shelf.db = library[0]
    r = shelf.run("serve", "--port", "70000")
    assert r.returncode == 2 and r.stderr.decode().count("\n") == 1
    shelf.db = library[0].parent / "none.db"
    r = shelf.run("serve")
    assert r.returncode == 3 and "no catalog" in r.stderr.decode()
