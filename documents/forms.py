from django import forms
from django.utils.translation import gettext_lazy as _

from documents.models import DocumentType
from registry.widgets import DateField


class UploadForm(forms.Form):
    document_type = forms.ModelChoiceField(
        label=_("Document type"), queryset=DocumentType.objects.none(), to_field_name="code")
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"), allow_empty_file=True)
    issued_on = DateField(label=_("Issue date"))
    expires_on = DateField(
        label=_("Expiry date"), required=False,
        help_text=_("Leave empty to use the usual validity of this kind of document."))

    def __init__(self, *args, document_types=(), offerings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document_type"].queryset = DocumentType.objects.filter(
            pk__in=[t.pk for t in document_types])
        self.fields["document_type"].label_from_instance = lambda t: t.display_name
        if any(t.per_offering for t in document_types) and offerings:
            # a course plan (课程方案) is for one offering; a new upload replaces its own
            self.fields["offering"] = forms.TypedChoiceField(
                label=_("Offering (for a course plan)"), required=False, coerce=int,
                empty_value=None,
                choices=[("", "—"), *((o.pk, o.title) for o in offerings)])


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
