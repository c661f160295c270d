"""Whether the process that wrote a file (named by host and pid) is known to be gone."""

from __future__ import annotations

import os
import socket


def process_gone(host: str, pid: int) -> bool:
    """True only when ``host`` is this machine and no process ``pid`` runs on it; a process on another
    host cannot be checked and counts as alive."""
    if host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # exists, owned by another user
        return False
    return False
