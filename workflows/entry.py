"""Where a process is started from: the one place services reach a flow class.

The flows import the services (every step calls one); the services never import the
flows back. A service that starts a process, or takes a flow's lock, asks this module
for the flow by its key; ``workflows.flows`` registers each flow class here when it is
imported, which ``WorkflowsConfig.ready`` makes sure of in every process (web, worker,
management command).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

_FLOWS: dict[str, type] = {}


def flow_register(key: str):
    """Class decorator: ``@flow_register("selection")`` on a flow class."""

    def register(flow_class: type) -> type:
        _FLOWS[key] = flow_class
        return flow_class

    return register


def flow(key: str) -> type:
    """The flow class registered under ``key``."""
    try:
        return _FLOWS[key]
    except KeyError:
        raise ImproperlyConfigured(
            f"No flow is registered as {key!r}: workflows.flows is not imported "
            "(WorkflowsConfig.ready imports it).") from None
