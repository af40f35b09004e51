"""UEM enums, read as names or integers (UEM_API.md: "Enums come both ways on the wire").

The 2025 OpenAPI declares enums as names; live tenants answer integers for some of the
same fields. :func:`enum_name` turns either into the declared name: names are compared
case-insensitively with ``_``, ``-`` and spaces removed (``ON_DEMAND`` = ``OnDemand``),
integers are mapped by the order the OpenAPI declares the names, except where a source
gives explicit numbers (:data:`PLATFORM_IDS`: platform ids are not contiguous). A value
that is neither a known name nor a mapped integer comes back as text, unchanged.

The name lists are the vendor's (``tests/test_vendor_contract.py`` checks them against
``../shared/uem-openapi/``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

#: ``EnrollmentTokenResponseV1Model.enrollment_status`` (mdmv1), declared order.
ENROLLMENT_STATUS = (
    "Unknown",
    "Discovered",
    "Registered",
    "EnrollmentInProgress",
    "Enrolled",
    "EnterpriseWipePending",
    "DeviceWipePending",
    "Retired",
    "Unenrolled",
    "StandaloneCatalog",
    "Blacklisted",
    "PendingAgent",
    "PendingEnrollment",
    "UnenrolledByFeedbackService",
    "DeviceNotFound",
    "WipeInitiated",
    "UserEnrolled",
    "RelinquishOwnershipPending",
)
#: ``EnrollmentTokenResponseV1Model.type`` (mdmv1), declared order: DropshipProvisioning = 4.
TOKEN_TYPE = (
    "Unknown",
    "OneTimeUse",
    "Persistant",
    "DeviceEnrollmentProgramToken",
    "DropshipProvisioning",
)
DROPSHIP_TOKEN = "DropshipProvisioning"
#: ``MsiDeploymentParamModel.InstallContext`` (mamv1): Unknown=0, Device=1, User=2.
INSTALL_CONTEXT = ("Unknown", "Device", "User")
#: App delivery: Auto=0, OnDemand=1 (a live app create answers PushMode as a number).
PUSH_MODE = ("Auto", "OnDemand")
#: Platform ids as every capture numbers them (not the declared order: WinRT is 12).
PLATFORM_IDS: Mapping[int, str] = MappingProxyType(
    {2: "Apple", 5: "Android", 10: "AppleOsX", 12: "WinRT"}
)

_SEPARATORS = re.compile(r"[\s_\-]")


def folded(value: Any) -> str:
    """``value`` as text folded for comparing enum names (``"ON_DEMAND"`` -> ``"ondemand"``)."""
    return _SEPARATORS.sub("", str(value)).casefold()


def enum_name(
    value: Any, names: Sequence[str], numbers: Mapping[int, str] | None = None
) -> str | None:
    """The declared name for ``value`` (a name in any case, or an integer); None for None.

    Integers map through ``numbers`` when given, else by position in ``names``; an
    integer outside them, or an unknown name, is returned as text.
    """
    if value is None or isinstance(value, bool):
        return None if value is None else str(value)
    number: int | None = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    if number is not None:
        if numbers is not None:
            return numbers.get(number, str(number))
        return names[number] if 0 <= number < len(names) else str(number)
    text = str(value).strip()
    wanted = folded(text)
    return next((n for n in names if folded(n) == wanted), text)


def platform_name(value: Any) -> str | None:
    """A platform as its name ("WinRT") from a name or a platform id (12)."""
    return enum_name(value, tuple(PLATFORM_IDS.values()), PLATFORM_IDS)
