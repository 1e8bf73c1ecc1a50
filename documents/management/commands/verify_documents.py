"""Re-read every stored document and compare it with its recorded SHA-256 and size."""

from django.core.management.base import BaseCommand, CommandError

from documents.integrity import verify_stored_documents


class Command(BaseCommand):
    help = ("Re-read stored documents and report any missing object or any whose SHA-256 "
            "or size no longer matches; exits with an error if there is one.")

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="*", type=int, help="only these document ids")

    def handle(self, *args, ids=None, **options):
        checked, problems = verify_stored_documents(document_ids=ids or None)
        for problem in problems:
            self.stderr.write(f"document {problem.document_id} {problem.problem}: "
                              f"{problem.storage_key} {problem.detail}".rstrip())
        if problems:
            raise CommandError(f"{len(problems)} of {checked} document(s) failed verification")
        self.stdout.write(self.style.SUCCESS(f"{checked} document(s) verified"))
