import django.db.models.deletion
from django.db import migrations, models

from registry.validators import id_number_digest, mask_id_number


def _typed_from_person(apps, schema_editor):
    """Every invitation so far matched a person: it was sent with their name and number."""
    SchoolInvitation = apps.get_model("registry", "SchoolInvitation")
    for invitation in SchoolInvitation.objects.select_related("person").iterator():
        person = invitation.person
        invitation.invited_name = person.name
        invitation.masked_id_number = mask_id_number(person.id_number)
        invitation.id_number_digest = id_number_digest(person.id_number)
        if invitation.status == "withdrawn":
            invitation.withdrawn_at = invitation.answered_at
        invitation.save(update_fields=["invited_name", "masked_id_number", "id_number_digest",
                                       "withdrawn_at"])


class Migration(migrations.Migration):
    """A school's invitation is kept whether or not it matched a registered person: the name
    as typed, the number masked and a keyed digest of it (for de-duplication, never the
    number), ``person`` only on a match; one live invitation per school, number and name."""

    dependencies = [
        ("registry", "0030_approval_jur_changed_idx"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="schoolinvitation",
            name="invitation_one_live_per_school",
        ),
        migrations.AddField(
            model_name="schoolinvitation",
            name="id_number_digest",
            field=models.CharField(default="", editable=False, max_length=64,
                                   verbose_name="ID number digest"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="schoolinvitation",
            name="invited_name",
            field=models.CharField(default="", max_length=64, verbose_name="name as typed"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="schoolinvitation",
            name="masked_id_number",
            field=models.CharField(default="", max_length=18,
                                   verbose_name="ID number (masked)"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="schoolinvitation",
            name="withdrawn_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="withdrawn"),
        ),
        migrations.AlterField(
            model_name="schoolinvitation",
            name="person",
            field=models.ForeignKey(blank=True, null=True,
                                    on_delete=django.db.models.deletion.CASCADE,
                                    related_name="school_invitations", to="registry.person",
                                    verbose_name="person"),
        ),
        migrations.AlterField(
            model_name="schoolinvitation",
            name="status",
            field=models.CharField(choices=[("pending", "Sent, waiting for the person's answer"),
                                            ("accepted", "Accepted"), ("declined", "Declined"),
                                            ("withdrawn", "Withdrawn")],
                                   default="pending", max_length=16, verbose_name="status"),
        ),
        migrations.RunPython(_typed_from_person, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="schoolinvitation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["pending", "accepted"])),
                fields=("school", "id_number_digest", "invited_name"),
                name="invitation_one_live_per_school"),
        ),
    ]
