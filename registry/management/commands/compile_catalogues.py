"""Compile the gettext catalogues (.po → .mo) in pure Python.

Django's ``compilemessages`` needs GNU gettext's ``msgfmt``, which a machine
with only Python lacks; the install step runs this instead so compiled
binaries never need to be committed.
"""

from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Compile the project's .po catalogues (its apps' locale/ folders and LOCALE_PATHS) "
        "to .mo, without gettext tools."
    )

    def handle(self, *args, **options):
        base = Path(settings.BASE_DIR).resolve()
        roots = [Path(p) for p in settings.LOCALE_PATHS]
        for config in apps.get_app_configs():
            path = Path(config.path).resolve()
            if base in path.parents and ".venv" not in path.parts:
                roots.append(path / "locale")
        count = 0
        for root in roots:
            for po_path in sorted(Path(root).glob("*/LC_MESSAGES/*.po")):
                catalogue = polib.pofile(str(po_path))
                catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
                count += 1
                self.stdout.write(
                    f"{po_path}: {len(catalogue.translated_entries())} translated, "
                    f"{len(catalogue.untranslated_entries())} untranslated"
                )
        self.stdout.write(self.style.SUCCESS(f"compiled {count} catalogue(s)"))
