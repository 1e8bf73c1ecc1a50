"""How viewflow's form layouts draw the registry's own widgets.

viewflow renders every ``forms.DateInput`` (and so its subclasses) as its ``vf-field-date``
component: an input mask of one format only, which refuses 2026年9月1日. The registry's date
field (``registry.widgets.DateInput``) is drawn here as viewflow's plain text field
instead, marked ``portal-date-input``: portal.js puts the calendar button beside it, as on
every portal form, and the server reads any format of ``config/formats``."""

from xml.etree import ElementTree

from viewflow.forms.renderers import InputRenderer, WidgetRenderer


class PortalDateRenderer(InputRenderer):
    tag = "vf-field-input"

    def create_root(self, context):
        root = super().create_root(context)
        root.attrib["type"] = "text"
        return root


class PortalCheckboxesRenderer(WidgetRenderer):
    """A ``CheckboxSelectMultiple`` (an individual's categories on the approver's decision)
    as the page's own checkboxes in a fieldset. viewflow draws it as ``vf-field-checkbox-
    select``, a component its free edition does not define: the field, and the refusal that
    named it, were invisible, and no individual could be approved on the web page."""

    def create_root(self, context):
        widget, field = context["widget"], self.bound_field
        fieldset = ElementTree.SubElement(self.root, "fieldset", {
            "class": "portal-checkboxes", "id": widget["attrs"].get("id", widget["name"])})
        ElementTree.SubElement(fieldset, "legend").text = str(field.label or "")
        chosen = {str(value) for value in (widget["value"] or [])}
        for _group, options, _index in widget["optgroups"]:
            for option in options:
                label = ElementTree.SubElement(fieldset, "label")
                attrs = {"type": "checkbox", "name": option["name"],
                         "value": str(option["value"]), "id": option["attrs"].get("id", "")}
                if str(option["value"]) in chosen:
                    attrs["checked"] = "checked"
                ElementTree.SubElement(label, "input", attrs).tail = f" {option['label']}"
        if field.errors:
            error = ElementTree.SubElement(fieldset, "div", {"class": "errorlist",
                                                              "role": "alert"})
            error.text = str(field.errors[0])
        if field.help_text:
            ElementTree.SubElement(fieldset, "p", {"class": "portal-help"}).text = str(
                field.help_text)
        return fieldset
