from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Installed only so that ``manage.py generate_load`` finds its command; no models."""

    name = "bench"
    verbose_name = "Benchmark"
