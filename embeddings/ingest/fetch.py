"""Add a web page to the corpus: download it (trafilatura's fetch, SSRF protection on) and save the raw page.

The page is kept as the outlet served it (`<corpus>/<host>_<path>.html`), so a rebuild re-reads
it like any saved page and the file can be opened and checked. Before anything is written the
page must be HTML and must contain an article (the same reader the index uses); the file is
written atomically and never overwrites a different article.

Deliberately left out: crawling links, JavaScript-rendered pages, logins and paywalls.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from configparser import ConfigParser
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from embeddings.errors import CorpusError

from .corpus import safe_name, save_bytes
from .formats import sniff
from .load import MAX_FILE_BYTES, article_from_bytes

HTML_TYPES = ("text/html", "application/xhtml+xml")
DOWNLOAD_TIMEOUT_SECONDS = 20


class _Capture(logging.Handler):
    """Keeps trafilatura's download error messages: it logs the reason and returns None."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _captured(logger_name: str):
    handler = _Capture()
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)


def _config(ssrf_protection: bool) -> ConfigParser:
    from trafilatura.settings import DEFAULT_CONFIG

    config = ConfigParser()
    config.read_dict({"DEFAULT": dict(DEFAULT_CONFIG["DEFAULT"])})
    config["DEFAULT"]["SSRF_PROTECTION"] = "on" if ssrf_protection else "off"
    config["DEFAULT"]["INSECURE_SSL_FALLBACK"] = "off"  # a bad certificate is an error, not a silent retry
    config["DEFAULT"]["MAX_FILE_SIZE"] = str(MAX_FILE_BYTES)
    config["DEFAULT"]["DOWNLOAD_TIMEOUT"] = str(DOWNLOAD_TIMEOUT_SECONDS)
    return config


def check_url(url: str, ssrf_protection: bool = True) -> str:
    """The host of an http(s) URL that resolves to public addresses; CorpusError otherwise.

    Checked before connecting so the message can say why; trafilatura vets the connected
    address again (no DNS-rebinding bypass).
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CorpusError(f"{url}: not a web address; give a full http:// or https:// URL")
    host = parts.hostname
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise CorpusError(f"{url}: unreachable, the host {host} cannot be resolved ({exc}); check the address") from None
    if ssrf_protection:
        for info in infos:
            address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
            address = getattr(address, "ipv4_mapped", None) or address
            if not address.is_global:
                raise CorpusError(
                    f"{url}: {host} is a private or local address ({address}); only public web pages can be added "
                    "(save the page from your browser and add the file instead)"
                )
    return host


def file_name_for(url: str) -> str:
    """A safe file name for a page: host and path, ASCII letters, digits, '.', '_' and '-' only, ending in .html.

    >>> file_name_for("https://vnexpress.net/thoi-su/ha-noi-mo-rong-duong-4951234.html?utm=x")
    'vnexpress.net_thoi-su_ha-noi-mo-rong-duong-4951234.html'
    """
    parts = urlsplit(url)
    path = re.sub(r"\.(s?html?|php|aspx?|jsp)$", "", unquote(parts.path).strip("/"), flags=re.I)
    return safe_name(f"{parts.hostname or 'page'}_{path.replace('/', '_')}.html")


def download(url: str, ssrf_protection: bool = True) -> bytes:
    """The page's bytes, after the URL and the response are checked; CorpusError says why not."""
    from trafilatura.downloads import fetch_response

    check_url(url, ssrf_protection)
    with _captured("trafilatura") as messages:
        response = fetch_response(url, decode=False, config=_config(ssrf_protection))
    if response is None or not response.data:
        why = messages[-1] if messages else "no response"
        if "MAX_FILE_SIZE" in why:
            why = f"larger than {MAX_FILE_BYTES / 1e6:.0f} MB"
        raise CorpusError(f"{url}: could not be downloaded ({why}); check the address or save the page from your browser")
    if response.status != 200:
        raise CorpusError(f"{url}: the server answered HTTP {response.status}; check the address")
    content_type = (getattr(response, "headers", None) or {}).get("content-type", "").split(";")[0].strip().lower()
    kind = sniff(response.data)
    if (content_type and content_type not in HTML_TYPES) or kind in ("pdf", "zip"):
        shown = content_type or kind
        raise CorpusError(f"{url}: not a web page ({shown}); download the file and add it to the corpus folder instead")
    return response.data


def fetch_article(url: str, corpus_dir: Path, ssrf_protection: bool = True) -> Path:
    """Download `url` and save the raw page under `corpus_dir`; returns the file (an existing one if identical).

    Raises CorpusError when the URL is not public http(s), unreachable, not HTML, too large, or holds no article.
    """
    data = download(url, ssrf_protection)
    name = file_name_for(url)
    try:
        article_from_bytes(data, Path(name))  # the index must be able to read it: fail now, before writing anything
    except CorpusError as exc:
        raise CorpusError(str(exc).replace(name, url, 1)) from None
    return save_bytes(data, corpus_dir, name)[0]
