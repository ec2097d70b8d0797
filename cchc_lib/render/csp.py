"""The Content-Security-Policy of every page cchc writes (reports, the index).

A report is one self-contained file: its CSS is inline and its charts are
`data:` images.  The policy allows exactly that and nothing else: no script,
no remote image, font, style or frame, no form, no `<base>`.  A page opened
from a mail or a shared folder therefore loads nothing from anywhere (no
tracking pixel, no request that says who read it).  Links stay links:
following one is the reader's choice, not a load.

A page with an inline script of its own (the index sorts and filters its
tables) gets `script-src` with that script's SHA-256 and nothing else
(`with_policy`): the script it embeds runs, no other can.

A `<meta http-equiv>` policy is the one a file can carry; it is placed before
anything it governs.  `remote_images_as_links` turns an `<img>` that points
outside the page (a Markdown image in a notebook cell) into a link, so the
reader sees where it was instead of a broken image.
"""
from __future__ import annotations

import base64
import hashlib
import re
from html import escape, unescape
from typing import Iterable

POLICY = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
          "base-uri 'none'; form-action 'none'")
META = f'<meta http-equiv="Content-Security-Policy" content="{escape(POLICY, quote=True)}">'

_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
_CHARSET = re.compile(r"<meta charset=[^>]*>", re.I)
_HEAD = re.compile(r"<head(\s[^>]*)?>", re.I)
_IMG = re.compile(r"<img\b[^>]*>", re.I)
_SRC = re.compile(r"""\bsrc\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_ALT = re.compile(r"""\balt\s*=\s*("([^"]*)"|'([^']*)')""", re.I)
#: What a report may embed: images inside the page itself.
EMBEDDED = re.compile(r"^\s*data:image/(png|jpeg|gif|webp|svg\+xml)[;,]", re.I)
SAFE_LINK = re.compile(r"^\s*(https?|ftps?|mailto):", re.I)


def policy(scripts: Iterable[str] = ()) -> str:
    """`POLICY`, plus exactly these inline scripts (by their SHA-256)."""
    hashes = sorted({"'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode("ascii") + "'"
                     for s in scripts})
    return POLICY + (f"; script-src {' '.join(hashes)}" if hashes else "")


def with_policy(html: str) -> str:
    """The page with its policy first in its head: what `POLICY` allows and the
    page's own inline scripts, as they are now."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{escape(policy(_SCRIPT.findall(html)), quote=True)}">'
    m = _CHARSET.search(html) or _HEAD.search(html)
    return html[:m.end()] + "\n" + meta + html[m.end():] if m else meta + html


def image_link(url: str, alt: str = "") -> str:
    """What an image that is not embedded becomes: a link to it (or its address
    as text when the address is not one a reader should follow)."""
    label = alt.strip() or "hình ảnh"
    text = f"{escape(label)} (hình ảnh bên ngoài, không tải: {escape(url)})"
    if SAFE_LINK.match(url):
        return f'<a class="external-image" href="{escape(url, quote=True)}">{text}</a>'
    return f'<span class="external-image">{text}</span>'


def remote_images_as_links(html: str) -> str:
    """Every `<img>` whose source is not a `data:` image, as a link."""
    if "<img" not in html and "<IMG" not in html:
        return html

    def repl(m: re.Match) -> str:
        tag = m.group(0)
        src = _SRC.search(tag)
        url = unescape(next((g for g in src.groups()[1:] if g is not None), "")) if src else ""
        if EMBEDDED.match(url):
            return tag
        alt = _ALT.search(tag)
        return image_link(url, unescape(next((g for g in alt.groups()[1:] if g is not None), "")) if alt else "")

    return _IMG.sub(repl, html)
