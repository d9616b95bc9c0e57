"""A certificate authority made for one run, and the test server's certificate from it: an isolated
page needs a secure context, and a browser on another machine reaches the server by a name over
https://. Remote sessions are told to accept it (Playwright's ignore_https_errors, WebDriver's
acceptInsecureCerts); the CA's PEM file is written for anyone who would rather trust it."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class RunCertificates:
    context: ssl.SSLContext  # the server side, with the certificate for `names`
    ca_pem: Path  # the run's CA, to trust instead of accepting any certificate
    names: tuple[str, ...]

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts the run's CA (and nothing else): for Python asking the server."""
        return ssl.create_default_context(cafile=str(self.ca_pem))


def make_certificates(names: tuple[str, ...], folder: Path) -> RunCertificates:
    """A new CA and a server certificate valid for `names` (host names or IP addresses), plus the
    loopback names, so the same server also answers https://127.0.0.1 and https://localhost."""
    wanted = tuple(dict.fromkeys([*names, "localhost", "127.0.0.1"]))
    ca = trustme.CA(organization_name="pytest-wasmblog test run")
    issued = ca.issue_cert(*wanted)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    issued.configure_cert(context)
    folder.mkdir(parents=True, exist_ok=True)
    ca_pem = folder / "wasmblog-run-ca.pem"
    ca.cert_pem.write_to_path(str(ca_pem))
    return RunCertificates(context, ca_pem, wanted)

