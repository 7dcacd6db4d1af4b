"""decode_source: CPython's decoding rules, and the E902 messages for what it refuses."""
from __future__ import annotations

import pickle
import sys

import pytest

from analyzer.frontend import SourceDecodeError, content_digest, decode_source

DECODED = [
    ("ascii", b"x = 1\n", "x = 1\n"),
    ("empty", b"", ""),
    ("utf8", "s = 'é'\n".encode(), "s = 'é'\n"),
    ("bom", b"\xef\xbb\xbfx = 1\n", "x = 1\n"),
    ("bom-and-utf8-cookie", b"\xef\xbb\xbf# coding: utf-8\nx = 1\n", "# coding: utf-8\nx = 1\n"),
    ("latin1-cookie-line1", b"# -*- coding: latin-1 -*-\ns = '\xe9'\n",
     "# -*- coding: latin-1 -*-\ns = 'é'\n"),
    ("latin1-cookie-line2", b"#!/usr/bin/env python\n# coding=latin-1\ns = '\xe9'\n",
     "#!/usr/bin/env python\n# coding=latin-1\ns = 'é'\n"),
    ("cookie-on-line3-ignored", b"\n\n# coding: latin-1\ns = 1\n", "\n\n# coding: latin-1\ns = 1\n"),
    ("crlf-kept", b"x = 1\r\ny = 2\r\n", "x = 1\r\ny = 2\r\n"),
    ("lone-cr-kept", b"x = 1\ry = 2\r", "x = 1\ry = 2\r"),
    ("form-feed-and-tab", b"\x0cif x:\n\tpass\n", "\x0cif x:\n\tpass\n"),
    ("cookie-in-ascii-file", b"# coding: ascii\nx = 1\n", "# coding: ascii\nx = 1\n"),
]


@pytest.mark.parametrize(("data", "expected"), [c[1:] for c in DECODED], ids=[c[0] for c in DECODED])
def test_decodes_like_cpython(data: bytes, expected: str) -> None:
    assert decode_source(data) == expected
    # The interpreter agrees that these bytes are source it can read.
    compile(data, "<test>", "exec")


REFUSED = [
    ("unknown-cookie", b"# -*- coding: xyz -*-\nx = 1\n", "unknown encoding: xyz", 1),
    ("bom-contradicts-cookie", b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", "encoding problem: utf-8", 1),
    ("invalid-utf8-line2", b"x = 1\ny = '\xff'\n", "'utf-8' codec can't decode byte 0xff at line 2, column 6", 2),
    ("invalid-utf8-line1", b"x = '\xff'\n", "'utf-8' codec can't decode byte 0xff at line 1", 1),
    ("wrong-cookie", b"# coding: ascii\ns = '\xc3\xa9'\n", "'ascii' codec can't decode byte 0xc3 at line 2", 2),
    ("nul", b"x = 1\ny = 2\x00\n", "source code string cannot contain null bytes", 2),
    ("binary", b"\x7fELF\x02\x01\x01\x00\x00\xff\xfe", "source code string cannot contain null bytes", 1),
    ("utf8-after-crlf", b"a = 1\r\nb = 2\r\n\xff\n", "at line 3, column 1", 3),
]


@pytest.mark.parametrize(("data", "message", "line"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_refuses_what_cpython_refuses(data: bytes, message: str, line: int) -> None:
    with pytest.raises(SourceDecodeError) as caught:
        decode_source(data)
    assert message in str(caught.value)
    assert caught.value.line == line
    # 3.10's compile() refuses NUL bytes with ValueError, later ones with SyntaxError.
    with pytest.raises(SyntaxError if sys.version_info >= (3, 11) else (SyntaxError, ValueError)):
        compile(data, "<test>", "exec")


def test_decode_error_survives_pickling() -> None:
    error = SourceDecodeError("unknown encoding: xyz", 1, 3)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.message, copy.line, copy.column, str(copy)) == ("unknown encoding: xyz", 1, 3, str(error))


def test_content_digest_is_16_bytes_hex_and_content_sensitive() -> None:
    a, b = content_digest(b"x = 1\n"), content_digest(b"x = 2\n")
    assert len(a) == 32 and int(a, 16) >= 0
    assert a != b and a == content_digest(b"x = 1\n")
