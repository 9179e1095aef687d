"""The registers. Each package has the same shape:

- ``__init__.py`` declares ``SPEC``, a ``compliance.registry.RegisterSpec``: the permission
  area, the page blueprints, the API blueprint (nested by the kernel under ``/api/v1``, behind
  its token authentication: endpoints ``api.<register>.<view>``) with its OpenAPI paths, the
  navigation entries, the panels it contributes to other pages (``panels.PANELS``), its Word
  document types, its commands (``cli.COMMANDS``, ``cli.IMPORT_COMMANDS``,
  ``cli.EXPORT_COMMANDS``) and its demo loader. ``compliance.mount`` mounts every spec the same
  way, on the application and on the command line;
- ``models.py`` (tables), ``forms.py`` (no queries), ``services.py`` (create/update/transition:
  take a session and an actor, flush, audit, never commit), ``queries.py``, ``api.py``,
  ``export.py`` (the plain dict each Word template needs), ``cli.py`` (commands over
  ``compliance.cli_support``), ``panels.py``, ``demo.py`` (``load(session, *, actor)``,
  idempotent);
- ``views/``: one module per entity, each declaring its URL rules on its own collector
  (``routes = compliance.routes.Routes()``, ``@routes.get(...)``); ``views/__init__.py`` builds
  the blueprint from those modules, explicitly, behind the reader check
  (``@requires(REGISTER)`` on a ``before_request`` hook) and with the template helpers of
  ``views/helpers.py`` (what the pages share). A view loads its record with
  ``compliance.access.get_or_404(Model, id, action)`` and guards itself with ``requires`` /
  ``require``; a register writes no loader and no 403 of its own.

Registers import the kernel and the registers they point at, never a private name of another
module, and no import cycle forms (``tests/test_code_shape.py``). The composition root,
``compliance.REGISTERS``, lists the registers the application mounts.
"""
