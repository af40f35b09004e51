"""The plugin author's API: everything a ws1-audit plugin needs, imported from one place.

A plugin is any module or object with functions marked ``@hookimpl`` and named after the
hooks in :mod:`audit.hookspecs`; third-party plugins are found through the entry-point group
``ws1_audit``. The guide, with a worked example of a check and a renderer, is
``docs/plugins.md``::

    from audit.plugin import Check, CheckContext, CheckMeta, Evidence, Outcome, hookimpl

    @hookimpl
    def ws1_audit_register_checks(register):
        register(Check(META, evaluate))

What is here is public and kept stable; anything imported from elsewhere in ``audit`` is
internal and may change without notice.
"""

from __future__ import annotations

from audit.checkapi import (
    SEVERITIES,
    STATUSES,
    Check,
    CheckContext,
    CheckDefinitionError,
    CheckMeta,
    Evidence,
    Outcome,
    Status,
    attestation_evidence,
    attestation_record,
    decide_by_attestation,
)
from audit.collect_context import CollectContext
from audit.fileio import write_atomic
from audit.hookspecs import hookimpl
from reports.base import Renderer, RenderOptions

__all__ = [
    "SEVERITIES",
    "STATUSES",
    "Check",
    "CheckContext",
    "CheckDefinitionError",
    "CheckMeta",
    "CollectContext",
    "Evidence",
    "Outcome",
    "RenderOptions",
    "Renderer",
    "Status",
    "attestation_evidence",
    "attestation_record",
    "decide_by_attestation",
    "hookimpl",
    "write_atomic",
]
