"""활동처관리 for site managers: their activities and the volunteers in them (`activities`), 일별
입력 (`days`), one date's edit and delete (`logs`), files in and out (`files`), and 가입 승인
(`signups`). One blueprint (`blueprint`), what a manager may reach (`scope`)."""
from . import activities, days, files, logs, signups  # noqa: F401 (their views are the blueprint's routes)
from .blueprint import bp  # noqa: F401
