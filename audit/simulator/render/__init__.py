"""Rendering tenant rows into the UEM API's JSON shapes: the vendor's models.

One module per kind of thing the API serves (:mod:`.groups`, :mod:`.smart_groups` and
tags, :mod:`.apps`, :mod:`.profiles`, :mod:`.devices`, :mod:`.registrations`,
:mod:`.discovery`; :mod:`.values` holds what they share), and one function per row shape,
each following one model of the vendor's OpenAPI (``../shared/uem-openapi/``, its
``components.schemas`` name in the docstring): only the keys the model documents, with the
documented types (``tests/test_vendor_contract.py`` validates every answer strictly). v1
rows carry ``"Id": {"Value": n}``; v2 rows ``"Id": n``; newer models ``id``/``uuid`` in
snake case. Values follow public captures (the JupiterOne HAR, the vendor's Go SDK
fixtures, ``../shared/real_captures/``) where they exist; the rest is plausible filler so
that clients meet the noise a real tenant sends. Missing optional tenant fields are
defaulted here, the same way every time, so renders are deterministic.
"""
