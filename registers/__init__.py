"""The registers. Each package has the same shape:

- ``__init__.py``: ``init_app(app, registry)`` registers the blueprint(s), the navigation entry
  (``registry.add_nav``), the panels it contributes to other pages (``registry.add_panel``) and
  its OpenAPI paths (``registry.api_paths``);
- ``models.py`` (tables), ``forms.py`` (no queries), ``services.py`` (create/update/transition:
  take a session and an actor, flush, audit, never commit), ``views.py``, ``api.py``,
  ``export.py`` (the plain dict each Word template needs), ``cli.py``
  (``register_commands(import_group=, export_group=, main=)``), ``demo.py`` (``load(session, *,
  actor)``, idempotent).

The composition root, ``compliance.REGISTERS``, lists the registers the application mounts.
"""
