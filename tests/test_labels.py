"""One thing, one name: the audit log calls each kind of 연계 request what the operator's pages call it
(linkage.state.REQUEST_LABELS), e.g. the operator's 재연계 from 연계실패 is not the automatic 99 retry."""
from pumasi.linkage.state import REQUEST_LABELS, RequestKind
from pumasi.ops.audit_labels import action_label


def test_link_requests_have_one_name_in_the_audit_log_and_on_the_pages():
    for kind, label in REQUEST_LABELS.items():
        assert action_label(f"link.{kind}") == label
    assert action_label(f"link.{RequestKind.RETRY}") == "운영자 재연계"
