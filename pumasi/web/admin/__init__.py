"""운영관리 for operators: the linkage monitor and failing dates (`monitor`), 기술지원 on a
participation or a date (`helpdesk`), members (`members`), invitations (`invitations`), sites (`sites`),
the audit log and 설정 (`console`), the alerts and their banner (`alerts`). One blueprint (`blueprint`)."""
from . import alerts, console, helpdesk, invitations, members, monitor, sites  # noqa: F401 (their views are the blueprint's routes)
from .blueprint import bp  # noqa: F401
