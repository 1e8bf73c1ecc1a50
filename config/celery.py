"""The Celery application.

Tasks live in each app's ``tasks.py``; the beat schedule is in settings
(``CELERY_BEAT_SCHEDULE``). With no broker configured the embedded
file-system transport under ``var/broker`` is used, so ``make run`` needs
nothing installed.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("registry")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_broker_folders(sender, **kwargs):
    # The file-system transport does not create its own folders.
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder", "processed_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)
