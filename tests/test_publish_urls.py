"""Published URLs are checked from their start (sna.build.publish._url_start): the same verdicts
as when the whole URL was cleaned, for URLs built to sit on the edges of that start."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from sna.build import publish

SCHEMES = ["data:image/png;base64,", "data:image/svg+xml,", "data:text/csv;charset=utf-8,",
           "javascript:", "http://", "https://", "mailto:", "//", "report.html", ""]  # fmt: skip
PIECES = st.sampled_from([*SCHEMES, " ", "\t", "\x00", "\n", "a", "A", "0", "+", ".", "-", ":",
                          "/", "Σ", "İ", "\u212a", "\u2028", "aaaaaaaaaaaaaaaa"])  # fmt: skip


def whole_url_verdict(tag: str, attribute: str, url: str) -> bool:
    """``_safe_url`` as it was: the whole URL cleaned and lowered."""
    url = re.sub(r"[\s\x00-\x1f]", "", url).lower()
    if tag == "img" and attribute == "src":
        return bool(re.match(r"data:image/(png|jpeg|gif|svg\+xml)[;,]", url))
    if tag == "a" and attribute == "href":
        relative = not re.match(r"^([a-z][a-z0-9+.-]*:|//)", url)
        csv = url.startswith("data:text/csv;charset=utf-8,")
        return relative or csv or url.startswith(("http://", "https://", "mailto:"))
    return False


@settings(max_examples=400, deadline=None)
@given(
    pieces=st.lists(PIECES, max_size=40),
    repeat=st.integers(min_value=1, max_value=12),
    where=st.sampled_from([("img", "src"), ("a", "href"), ("a", "src"), ("link", "href")]),
)
def test_the_start_of_a_url_gives_the_verdict_of_the_whole(
    pieces: list[str], repeat: int, where: tuple[str, str]
) -> None:
    url = "".join(pieces) * repeat
    tag, attribute = where
    assert publish._safe_url(tag, attribute, url) == whole_url_verdict(tag, attribute, url)


def test_long_urls_at_the_edges() -> None:
    for url in [
        "a" * 200 + ":alert(1)",  # a "scheme" longer than the start: the whole URL is read
        "javascript" + " " * 300 + ":alert(1)",  # spaces shorten the start below _URL_START
        "data:image/png;base64," + "A" * 200_000,
        "data:text/csv;charset=utf-8," + "%2C" * 50_000,
        "Σ" * 63 + "javascript:x",
    ]:
        for tag, attribute in [("img", "src"), ("a", "href")]:
            assert publish._safe_url(tag, attribute, url) == whole_url_verdict(tag, attribute, url)
