"""Load data at real scale for ``make bench`` (PostgreSQL only)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench import generate


class Command(BaseCommand):
    help = ("Generate organizations, people, offerings, documents, approvals, search "
            "documents, a published list and a bureau's open tasks with COPY, for `make bench`. "
            "Use a dedicated database: --reset empties every provider, case and list table.")

    def add_arguments(self, parser):
        parser.add_argument("--organizations", type=int, default=100_000)
        parser.add_argument("--people", type=int, default=1_000_000)
        parser.add_argument("--documents-per-subject", type=int, default=3)
        parser.add_argument("--inbox-tasks", type=int, default=None,
                            help="Open tasks in the measured bureau (default: --organizations).")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--reset", action="store_true",
                            help="Empty provider, case and list tables first.")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("generate_load needs PostgreSQL (COPY): set DATABASE_URL to a "
                               "dedicated PostgreSQL database, e.g. "
                               "postgres://postgres@127.0.0.1:5432/bench")
        for name in ("organizations", "people", "documents_per_subject"):
            if options[name] < (1 if name == "organizations" else 0):
                raise CommandError(f"--{name.replace('_', '-')} is too small")
        if options["reset"]:
            generate.reset()
            self.stdout.write("Emptied provider, case and list tables.")
        elif generate.already_loaded():
            self.stdout.write("Load data is already present (use --reset to regenerate).")
            return
        summary = generate.generate(
            organizations=options["organizations"], people=options["people"],
            documents_per_subject=options["documents_per_subject"],
            inbox_tasks=options["inbox_tasks"], seed=options["seed"], stream=self.stderr)
        self.stdout.write(self.style.SUCCESS(
            f"Generated {summary['organizations']:,} organizations, {summary['people']:,} "
            f"people, {summary['inbox_tasks']:,} open tasks in {summary['seconds']} s "
            f"(as of {summary['as_of']})."))
