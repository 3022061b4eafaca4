"""확인서 정정됨: a certificate holding a date that is later corrected or deleted (by a site, or by an
operator's correction) no longer says what the records say. It is marked superseded in the same
transaction as the change, and the public verification page shows 정정됨; the volunteer can issue a
new one. (Issuing locks the dates it reads, so a change at the same moment waits and then finds it.)"""
from ..clock import utcnow
from ..models import Certificate, CertificateDate

EDITED = "상세봉사내역 수정"
DELETED = "상세봉사내역 삭제"
CORRECTED = "운영자 정정"


def supersede_holding(log_ids, reason):
    """Mark every still-valid certificate that holds one of these daily logs 정정됨; how many."""
    log_ids = list(log_ids)
    if not log_ids:
        return 0
    held = CertificateDate.select(CertificateDate.certificate).where(CertificateDate.daily_log.in_(log_ids))
    return (Certificate.update(superseded_at=utcnow(), superseded_reason=reason[:200])
            .where(Certificate.id.in_(held), Certificate.superseded_at.is_null()).execute())
