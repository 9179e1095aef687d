"""Administration: organisations, users, memberships and the audit trail."""

from compliance.admin.views import bp

__all__ = ["bp"]
