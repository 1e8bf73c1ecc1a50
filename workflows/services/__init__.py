"""Writes of the workflows app, one module per process or concern (see docs in each).

Flow steps, views, the API and Celery tasks call these; they never import the flows,
forms, views or tasks back. A process is started through ``workflows.entry``, which the
flows register into. Each public function that writes is ``@transaction.atomic`` itself
and leaves its audit event in the same transaction (tests/workflows/test_services_contract.py).
Import the concrete module (``from workflows.services import vetting``): this package
re-exports nothing.
"""
