"""운영관리 for operators: the linkage monitor and failing dates (`monitor`), 기술지원 on a
participation or a date (`helpdesk`), members (`members`), invitations (`invitations`), sign-ups to
approve (`signups`), sites (`sites`), the audit log and 설정 (`console`), the alerts and their banner
(`alerts`), the charts (`charts`), the monthly review of the access records and its reminder (`access`),
가져오기 (`imports`), 확인서 (`certificates`). One blueprint (`blueprint`)."""
# (their views are the blueprint's routes)
from . import (access, alerts, certificates, charts, console, helpdesk, imports, invitations, members,  # noqa: F401
               monitor, signups, sites)
from .blueprint import bp  # noqa: F401
