"""HTML through BeautifulSoup with lxml: visible text only, title and author from the head."""

from __future__ import annotations

from typing import IO

from bs4 import BeautifulSoup

from tasks.upload.parsing.model import Parsed

#: Elements whose content is never shown as text.
_INVISIBLE = ("script", "style", "noscript", "template", "svg", "head")
#: Block elements that end a line of text.
_BLOCKS = ("p", "div", "li", "tr", "br", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "section", "article", "table")


def parse_html(file: IO[bytes]) -> Parsed:
    soup = BeautifulSoup(file.read(), "lxml")
    metadata = {}
    if soup.title and soup.title.string:
        metadata["title"] = soup.title.string.strip()
    author = soup.find("meta", attrs={"name": "author"})
    if author is not None and author.get("content"):
        metadata["author"] = str(author.get("content")).strip()
    for element in soup(_INVISIBLE):
        element.decompose()
    for block in soup.find_all(_BLOCKS):
        block.append("\n")
    return Parsed(format="html", pages=[soup.get_text()], metadata=metadata)
