"""small47: ``omotenashi proxy`` before an https origin whose certificate a private CA signed,
or that signed its own (real TLS on localhost, certificates made in Python): 502 without a
setting, 200 with ``OMOTENASHI_PROXY_CA_BUNDLE`` naming that CA (or that certificate), 200
with ``OMOTENASHI_PROXY_VERIFY=false``, which warns that it is unsafe."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import ipaddress
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
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


def self_signed(key_path: Path, cert_path: Path) -> None:
    """A certificate for 127.0.0.1 that signs itself (no CA), and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ca.pem signs signed.pem (its key signed.key); self.pem (self.key) signs itself: both
    for 127.0.0.1 (made in Python: trustme for the CA, cryptography for the one of its own)."""
    d = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(d / "ca.pem"))
    leaf = ca.issue_cert("127.0.0.1")
    leaf.private_key_pem.write_to_path(str(d / "signed.key"))
    leaf.cert_chain_pems[0].write_to_path(str(d / "signed.pem"))
    self_signed(d / "self.key", d / "self.pem")
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
