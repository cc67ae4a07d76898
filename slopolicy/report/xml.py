"""XML that test-report viewers read: only characters XML allows, one declaration, indented."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TextIO

# Characters XML 1.0 cannot hold (control characters, lone surrogates)
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def text(value: str) -> str:
    """``value`` with every character XML cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", value)


def write(root: ET.Element, stream: TextIO) -> None:
    ET.indent(root)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    stream.write(ET.tostring(root, encoding="unicode"))
    stream.write("\n")
