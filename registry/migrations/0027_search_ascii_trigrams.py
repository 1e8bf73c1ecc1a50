"""Search documents hold the ASCII trigrams of their texts beside the unigrams and bigrams
(``registry.search_text.ascii_trigrams``), which a keyword of three ASCII characters or more
(pinyin: ``yangli``, ``biancheng``) is now looked up by. Existing documents get them here,
from the texts they store; ``search_index_refresh`` writes them from now on.

Documents that the code before this change writes after the migration has passed them
(between the migration and the switch to the new code) lack the trigrams until they are
written again; ``manage.py rebuild_search_index`` rewrites every document.

Backwards: the extra tokens stay, and older code never asks for them.
"""

import re
import unicodedata

from django.db import migrations, transaction

# As registry.search_text at the time of this migration (copied: a migration must not
# change when the module does). The stored texts are already normalized.
_RUN = re.compile(r"[^\W_]+")
BATCH = 2000


def _trigrams(text: str) -> set[str]:
    found = set()
    for run in _RUN.findall(unicodedata.normalize("NFKC", text or "").lower()):
        found.update(w for i in range(len(run) - 2) if (w := run[i:i + 3]).isascii())
    return found


def add_trigrams(apps, schema_editor):
    """Batch by batch, each in its own transaction (the migration is not atomic): a
    document is locked only while its batch is written, not for the whole run (12 min
    over 1.1M documents on the bench machine), so the running site's own writes of search
    documents wait a moment at most."""
    Document = apps.get_model("registry", "ProviderSearchDocument")
    fields = ("name_text", "title_text", "description_text", "pinyin_text")
    last = 0
    while True:
        with transaction.atomic():
            documents = list(Document.objects.select_for_update().filter(pk__gt=last)
                             .order_by("pk").only("pk", "grams", *fields)[:BATCH])
            if not documents:
                return
            last = documents[-1].pk
            changed = []
            for document in documents:
                extra = set()
                for field in fields:
                    extra |= _trigrams(getattr(document, field))
                held = set(document.grams.split())
                if extra - held:
                    document.grams = " ".join(sorted(held | extra))
                    changed.append(document)
            Document.objects.bulk_update(changed, ["grams"])


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("registry", "0026_job_heartbeat")]

    operations = [migrations.RunPython(add_trigrams, migrations.RunPython.noop, elidable=False)]
