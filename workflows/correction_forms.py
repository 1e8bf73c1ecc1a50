"""The provider's correction task (补正): its form, item by item.

Each item the bureau sent back is a fieldset: its legend names the document type first,
then whose it is, and wraps on a phone. A field's own label is one line, cut short with …
(viewflow's outlined field): "替换材料：李国华 (3601**********…" hid which document it was.
The bureau's reason is written under the legend, where a field's error does not replace it
(viewflow shows a field's error in place of its help text).

A browser cannot be given back the files it sent: when the form comes back with errors, it
says which files to choose again, above the form and beside each of them
(``files_not_kept``); correction.js checks before sending that each chosen file has its
issue date, so that this round trip rarely happens.
"""

from xml.etree import ElementTree

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from viewflow.forms.renderers import Column, Layout

from registry.formatting import labelled
from registry.widgets import DateField
from workflows.forms import FORMS, TaskForm
from workflows.services import corrections


class ItemFieldSet(Column):
    """The fields of one item in a ``<fieldset>``: a legend that wraps, then the bureau's
    reason, then the fields."""

    def __init__(self, legend, reason, *fields):
        self.legend, self.reason = legend, reason
        super().__init__(*fields)

    def append(self, layout, form, root):
        fieldset = ElementTree.SubElement(root, "fieldset", {
            "class": "correction-item mdc-layout-grid__cell mdc-layout-grid__cell--span-12"})
        ElementTree.SubElement(fieldset, "legend").text = str(self.legend)
        if self.reason:
            ElementTree.SubElement(fieldset, "p", {"class": "correction-item__reason"}
                                   ).text = str(self.reason)
        super().append(layout, form, fieldset)


def _legend(item) -> str:
    """The document type first, then whose it is ("责任保险 · 南昌市…中心"); an item without a
    document (a roster person, a policy flag) as the bureau named it."""
    if item.document_type is None:
        return item.label
    kind = str(item.document_type.display_name)
    whose = item.label.removesuffix(labelled("", kind))  # "whose：kind" (corrections)
    return f"{kind} · {whose}" if whose and whose != item.label else kind


class CorrectionForm(TaskForm):
    """The correction task (补正): per item the bureau sent back, the clerk's reason, a
    replacement upload for a document (with its dates) and the provider's answer."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = corrections.correction_items(self.case)
        groups = []
        for item in self.items:
            names = []
            if item.needs_file:
                self.fields[f"{item.key}_file"] = forms.FileField(
                    label=_("Replacement file"), required=False,
                    help_text=(_("Already replaced by %(name)s; upload again only to change "
                                 "it.") % {"name": item.replaced_by.original_name}
                               if item.replaced_by else ""))
                self.fields[f"{item.key}_issued_on"] = DateField(
                    label=_("Issue date (required with a file)"), required=False)
                names += [f"{item.key}_file", f"{item.key}_issued_on"]
                if item.document_type.expires:
                    self.fields[f"{item.key}_expires_on"] = DateField(
                        label=_("Expiry date of the replacement"), required=False)
                    names.append(f"{item.key}_expires_on")
            self.fields[f"{item.key}_answer"] = forms.CharField(
                label=_("Your note (optional)") if item.needs_file else _("Your answer"),
                required=not item.needs_file, max_length=2000, widget=forms.Textarea)
            names.append(f"{item.key}_answer")
            reason = (_("The bureau's reason: %(reason)s") % {"reason": item.reason}
                      if item.reason else "")
            groups.append(ItemFieldSet(_legend(item), reason, *names))
        self.layout = Layout(*groups)

    def clean(self):
        cleaned = super().clean()
        for item in self.items:
            if cleaned.get(f"{item.key}_file") and not cleaned.get(f"{item.key}_issued_on") \
                    and f"{item.key}_issued_on" not in self.errors:
                self.add_error(f"{item.key}_issued_on", _("Give the issue date."))
        return cleaned

    @property
    def items_not_kept(self) -> list:
        """The items whose file was sent with a form that comes back (with errors): the
        browser has let go of those files, and the provider must choose them again."""
        if not self.is_bound or not self.errors:
            return []
        return [item for item in self.items
                if item.needs_file and self.files.get(f"{item.key}_file")]

    def files_not_kept(self) -> None:
        """Say beside each file sent that it must be chosen again. viewflow shows a field's
        first error only: a refusal of the file itself comes first, in the same message."""
        again = gettext("This file was not kept: choose it again.")
        for item in self.items_not_kept:
            name = f"{item.key}_file"
            said = " ".join(str(message) for message in self.errors.get(name, []))
            message = (gettext("%(refusal)s %(again)s") % {"refusal": said, "again": again}
                       if said else again)
            self.errors[name] = self.error_class([message])

    def perform(self) -> bool:
        data = self.cleaned_data
        uploads = {item.key: (data[f"{item.key}_file"], data[f"{item.key}_issued_on"],
                              data.get(f"{item.key}_expires_on"))
                   for item in self.items if data.get(f"{item.key}_file")}
        answers = {item.key: data.get(f"{item.key}_answer", "") for item in self.items}
        try:
            corrections.correction_submit(actor=self.user, case=self.case, answers=answers,
                                          uploads=uploads)
        except forms.ValidationError as error:
            if hasattr(error, "error_dict"):  # a refused file: say it next to its field
                raise forms.ValidationError({f"{key}_file": messages for key, messages
                                             in error.message_dict.items()}) from None
            raise
        return True


# the API performs a task with the form of its node (task_actions.task_perform)
FORMS["correction"] = CorrectionForm
