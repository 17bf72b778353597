"""Output files that appear complete or not at all: write to a temporary name, then rename."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(output: Path) -> Iterator[str]:
    """A temporary path next to ``output``, renamed to ``output`` (with the usual file
    mode) when the body finishes; removed when it raises, leaving ``output`` as it was."""
    fd, temp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".partial",
                                dir=output.parent)
    os.close(fd)
    try:
        yield temp
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, output)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
