"""Search documents hold the ASCII trigrams of their texts beside the unigrams and bigrams
(``registry.search_text.ascii_trigrams``), which a keyword of three ASCII characters or more
(pinyin: ``yangli``, ``biancheng``) is now looked up by. Existing documents get them here,
from the texts they store; ``search_index_refresh`` writes them from now on.

Backwards: the extra tokens stay, and older code never asks for them.
"""

import re
import unicodedata

from django.db import migrations

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
    Document = apps.get_model("registry", "ProviderSearchDocument")
    fields = ("name_text", "title_text", "description_text", "pinyin_text")
    batch = []
    documents = Document.objects.order_by("pk").only("pk", "grams", *fields)
    for document in documents.iterator(chunk_size=BATCH):
        extra = set()
        for field in fields:
            extra |= _trigrams(getattr(document, field))
        held = set(document.grams.split())
        if extra - held:
            document.grams = " ".join(sorted(held | extra))
            batch.append(document)
        if len(batch) >= BATCH:
            Document.objects.bulk_update(batch, ["grams"])
            batch = []
    Document.objects.bulk_update(batch, ["grams"])


class Migration(migrations.Migration):
    dependencies = [("registry", "0026_job_heartbeat")]

    operations = [migrations.RunPython(add_trigrams, migrations.RunPython.noop, elidable=False)]
