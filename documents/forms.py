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

    def __init__(self, *args, document_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["document_type"].queryset = DocumentType.objects.filter(
            pk__in=[t.pk for t in document_types])
        self.fields["document_type"].label_from_instance = lambda t: t.display_name


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
