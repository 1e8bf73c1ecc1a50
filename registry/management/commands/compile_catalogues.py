"""Compile the gettext catalogues (.po → .mo) in pure Python.

Django's ``compilemessages`` needs GNU gettext's ``msgfmt``, which a machine
with only Python lacks; the install step runs this instead so compiled
binaries never need to be committed.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile every .po catalogue under LOCALE_PATHS to .mo (no gettext tools needed)."

    def handle(self, *args, **options):
        count = 0
        for root in settings.LOCALE_PATHS:
            for po_path in sorted(Path(root).glob("*/LC_MESSAGES/*.po")):
                catalogue = polib.pofile(str(po_path))
                catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
                count += 1
                self.stdout.write(
                    f"{po_path}: {len(catalogue.translated_entries())} translated, "
                    f"{len(catalogue.untranslated_entries())} untranslated"
                )
        self.stdout.write(self.style.SUCCESS(f"compiled {count} catalogue(s)"))
