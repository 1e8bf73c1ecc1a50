from django.core.management.base import BaseCommand

from registry import services


class Command(BaseCommand):
    help = ("Rebuild the keyword search index of every organization and person, and the "
            "availability that school search ranks on.")

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, **options):
        written = services.search_index_rebuild(batch_size=options["batch_size"])
        self.stdout.write(f"search documents written: {written}")
        rows = services.availability_rebuild()
        self.stdout.write(f"availability rows written: {rows}")
