"""Debian's nginx on loopback as a TLS-terminating reverse proxy, for the proxy tests.

A self-signed certificate for ``localhost`` (made with ``cryptography``), a config written to
the test's folder, and nginx run in the foreground (``master_process off``: one process that
the test starts and stops itself, writing only under that folder)."""

from __future__ import annotations

import datetime
import ipaddress
import shutil
import ssl
import subprocess
import time
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


CONFIG = """
daemon off;
master_process off;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {dir}/access.log;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


class Nginx:
    def __init__(self, folder: Path, port: int, upstream: int) -> None:
        if not Path(NGINX).exists():
            raise AssertionError(
                "Debian's nginx is not installed: run `make test` (KAIKU_SETUP_TEST=1 "
                "scripts/setup.sh installs nginx-light) or apt-get install nginx-light"
            )
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.cert, key = self_signed(folder)
        conf = folder / "nginx.conf"
        conf.write_text(
            CONFIG.format(dir=folder, port=port, cert=self.cert, key=key, upstream=upstream)
        )
        self.url = f"https://localhost:{port}"
        self.popen = subprocess.Popen(
            [NGINX, "-c", str(conf), "-p", str(folder)],
            stdout=subprocess.DEVNULL,
            stderr=(folder / "stderr.log").open("w"),
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise AssertionError("nginx stopped: " + (folder / "stderr.log").read_text())
            try:
                httpx.get(self.url + "/health", verify=self.tls(), timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("nginx did not answer: " + (folder / "error.log").read_text())

    def client(self, source: str) -> httpx.Client:
        """A client that connects from ``source`` (an address of 127.0.0.0/8)."""
        return httpx.Client(
            base_url=self.url,
            timeout=30,
            transport=httpx.HTTPTransport(verify=self.tls(), local_address=source),
        )

    def tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)
