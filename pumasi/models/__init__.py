"""The data, one module per topic. MODELS lists every table in the order they are created.

A new topic's tables go in a module of their own here (subclassing core.BaseModel), are imported
below and appended to MODELS; schema changes are migrations (pumasi/migrations.py)."""
from .core import (ROLES, Activity, AuditLog, BaseModel, ConfigValue, DailyLog, Identity, KeyCheck, LinkAttempt,
                   LinkRequest, Member, Notification, Participation, PasswordReset, SchemaVersion, Site, Upload)
from .access import AccessChain, AccessRecord, AccessReview
from .alerts import Alert
from .entry_requests import EntryRequest
from .certificates import Certificate, CertificateCheck, CertificateDate
from .privacy import Consent, PrivacyNotice
from .transfer import ImportRun
from .signups import Signup

MODELS = [Site, Member, Activity, Participation, DailyLog, Identity, LinkRequest, LinkAttempt,
          AuditLog, Notification, PasswordReset, ConfigValue, KeyCheck, Upload, SchemaVersion,
          AccessRecord, AccessChain, AccessReview, Consent, Certificate, CertificateDate, CertificateCheck,
          Alert, EntryRequest, ImportRun, PrivacyNotice,
          Signup]

__all__ = ["ROLES", "BaseModel", "MODELS"] + [model.__name__ for model in MODELS]
