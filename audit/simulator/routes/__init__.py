"""The simulated API's route handlers, one module per kind of thing served.

Each handler is a function of the :class:`~audit.simulator.endpoints.UemApi` (the tenant
index, paging, lookups) and the :class:`~audit.simulator.calls.Call`, returning a
:class:`~audit.simulator.calls.Reply` or raising :class:`~audit.simulator.calls.ApiError`;
:data:`audit.simulator.endpoints.ROUTES` maps each path to one. Row shapes are
:mod:`audit.simulator.render`'s.
"""
