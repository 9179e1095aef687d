"""The registers: one package each, all with the same file set, mounted by the kernel from the
``SPEC`` each declares. ``registers/README.md`` says how to add one; the composition root,
``compliance.REGISTERS``, lists those the application mounts."""
