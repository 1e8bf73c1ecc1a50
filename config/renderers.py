"""How viewflow's form layouts draw the registry's own widgets.

viewflow renders every ``forms.DateInput`` (and so its subclasses) as its ``vf-field-date``
component: an input mask of one format only, which refuses 2026年9月1日. The registry's date
field (``registry.widgets.DateInput``) is drawn here as viewflow's plain text field
instead, marked ``portal-date-input``: portal.js puts the calendar button beside it, as on
every portal form, and the server reads any format of ``config/formats``."""

from viewflow.forms.renderers import InputRenderer


class PortalDateRenderer(InputRenderer):
    tag = "vf-field-input"

    def create_root(self, context):
        root = super().create_root(context)
        root.attrib["type"] = "text"
        return root
