"""What a ``ws1_audit_collect`` plugin hook receives (:mod:`audit.hookspecs`).

Its own module, below the collector, so that the plugin face (:mod:`audit.plugin`), and
with it every check, does not import the collector and the client it drives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from audit.config import Config
    from audit.uem.client import UEMClient


@dataclass
class CollectContext:
    """What a ``ws1_audit_collect`` plugin hook receives."""

    client: UEMClient
    config: Config
    dropship_og: dict[str, Any] | None
    scope_og_ids: set[int] = field(default_factory=set)
