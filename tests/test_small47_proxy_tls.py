"""small47: ``omotenashi proxy`` before an https origin whose certificate a private CA signed,
or that signed its own (real TLS on localhost, certificates made with openssl): 502 without a
setting, 200 with ``OMOTENASHI_PROXY_CA_BUNDLE`` naming that CA (or that certificate), 200
with ``OMOTENASHI_PROXY_VERIFY=false``, which warns that it is unsafe."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import subprocess
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from omotenashi import Settings
from omotenashi.cli.main import main
from omotenashi.errors import ConfigError
from omotenashi.proxy import EdgeSettings, ProxySettings, Upstream, proxy_app
from omotenashi.store.embedded import free_port

from .live_server import serving

pytestmark = pytest.mark.anyio
PAGE = '<!doctype html><html><body><h1 data-omo-slot="hero">Hello</h1></body></html>'
LEAF = "subjectAltName=IP:127.0.0.1\nbasicConstraints=critical,CA:FALSE\n"
LEAF += "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ca.pem signs signed.pem (its key signed.key); self.pem (self.key) signs itself: both
    for 127.0.0.1."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    d = tmp_path_factory.mktemp("tls")
    (d / "leaf.ext").write_text(LEAF)
    ca = ["-subj", "/CN=Omotenashi test CA", "-addext", "basicConstraints=critical,CA:TRUE"]
    ca += ["-addext", "keyUsage=critical,keyCertSign"]
    openssl("req", "-x509", *EC, "-keyout", d / "ca.key", "-out", d / "ca.pem", "-days", "2", *ca)
    openssl("req", *EC, "-keyout", d / "signed.key", "-out", d / "signed.csr", "-subj", "/CN=x")
    openssl(
        "x509", "-req", "-in", d / "signed.csr", "-CA", d / "ca.pem", "-CAkey", d / "ca.key",
        "-CAcreateserial", "-out", d / "signed.pem", "-days", "2", "-extfile", d / "leaf.ext",
    )  # fmt: skip
    own = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    openssl(
        "req", "-x509", *EC, "-keyout", d / "self.key", "-out", d / "self.pem", "-days", "2", *own
    )
    (d / "not.pem").write_text("not a certificate\n")
    return d


@asynccontextmanager
async def tls_origin(cert: Path, key: Path) -> AsyncIterator[str]:
    """A page served over https on 127.0.0.1 (uvicorn, in the test's event loop)."""

    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE)

    app = Starlette(routes=[Route("/page", page)])
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", lifespan="off",
        ssl_certfile=str(cert), ssl_keyfile=str(key),
    )  # fmt: skip
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@pytest.mark.parametrize(
    ("leaf", "proxy", "status"),
    [
        ("signed", {}, 502),  # a private CA: not one of the public ones
        ("signed", {"ca_bundle": "ca.pem"}, 200),
        ("signed", {"ca_bundle": "self.pem"}, 502),  # (another CA's)
        ("signed", {"verify": False}, 200),
        ("self", {}, 502),
        ("self", {"ca_bundle": "self.pem"}, 200),  # the certificate itself, trusted
        ("self", {"ca_bundle": "ca.pem"}, 502),
        ("self", {"verify": False}, 200),
    ],
)
async def test_an_https_origin_with_a_private_or_own_certificate(
    make_settings: Callable[..., Settings],
    certs: Path,
    leaf: str,
    proxy: dict[str, Any],
    status: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if "ca_bundle" in proxy:
        proxy = {**proxy, "ca_bundle": str(certs / proxy["ca_bundle"])}
    config = ProxySettings(**proxy)
    async with tls_origin(certs / f"{leaf}.pem", certs / f"{leaf}.key") as origin:
        async with serving(proxy_app(origin, settings=make_settings(), config=config)) as url:
            async with httpx.AsyncClient(base_url=url) as client:
                got = await client.get("/page", headers={"accept": "text/html"})
    assert got.status_code == status
    assert (">Hello<" in got.text) is (status == 200)
    said = [r.getMessage() for r in caplog.records if "answered 502" in r.getMessage()]
    hint = "trust it with OMOTENASHI_PROXY_CA_BUNDLE"
    told = [line for line in said if hint in line and "CERTIFICATE_VERIFY_FAILED" in line]
    assert len(said) == len(told) == (status == 502)  # the 502's line says how to trust it


def test_the_settings_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, certs: Path
) -> None:
    monkeypatch.setenv("OMOTENASHI_PROXY_CA_BUNDLE", str(certs / "ca.pem"))
    assert EdgeSettings().proxy.ca_bundle == str(certs / "ca.pem")
    monkeypatch.delenv("OMOTENASHI_PROXY_CA_BUNDLE")
    monkeypatch.setenv("OMOTENASHI_PROXY_VERIFY", "false")
    assert EdgeSettings().proxy.verify is False


def test_verify_off_warns_that_it_is_unsafe(caplog: pytest.LogCaptureFixture) -> None:
    Upstream("https://origin.internal", config=ProxySettings())
    Upstream("https://origin.internal", config=ProxySettings(verify=False))
    Upstream("http://plain.internal", config=ProxySettings(verify=False))  # no certificate
    said = [r.getMessage() for r in caplog.records if r.name == "omotenashi.proxy"]
    assert len(said) == 1 and "unsafe" in said[0] and "https://origin.internal" in said[0]


@pytest.mark.parametrize(
    ("proxy", "problem"),
    [
        ({"ca_bundle": "missing.pem"}, "No such file"),
        ({"ca_bundle": "not.pem"}, "not a PEM file of CAs"),
        ({"ca_bundle": "ca.pem", "verify": False}, "not both"),
    ],
)
def test_a_ca_bundle_that_cannot_work_is_refused_with_its_value(
    certs: Path, proxy: dict[str, Any], problem: str
) -> None:
    bundle = str(certs / proxy["ca_bundle"])
    with pytest.raises(ConfigError, match="OMOTENASHI_PROXY_CA_BUNDLE") as raised:
        Upstream("https://origin.internal", config=ProxySettings(**{**proxy, "ca_bundle": bundle}))
    assert problem in str(raised.value) and repr(bundle) in str(raised.value)


def test_the_proxy_command_refuses_a_bad_ca_bundle_before_it_starts(
    certs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OMOTENASHI_PROXY_CA_BUNDLE", str(certs / "not.pem"))
    assert main(["proxy", "--upstream", "https://origin.internal"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("omotenashi proxy: OMOTENASHI_PROXY_CA_BUNDLE: not a PEM file of CAs")
