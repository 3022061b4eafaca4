"""Forms (Flask-WTF): validation with Korean messages next to each field. Forms whose rules live in
the domain (members, settings, corrections) are checked there and use plain inputs instead."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from .. import inputs
from ..clock import today_kst
from ..identity import rrn
from ..records import hours

CATEGORIES = ("문화", "교육", "환경", "복지", "보건의료", "안전", "행정", "기타")


class Form(FlaskForm):
    """A form that says next to the field when a value holds a character no input may
    (pumasi.inputs), and then checks nothing else: no such value goes further, to a query."""

    def validate(self, extra_validators=None):
        refused = False
        for field in self:
            field.errors = list(field.errors)  # as validate() leaves them, a list each
            for raw in field.raw_data or ():
                message = (inputs.problem(raw.filename) if hasattr(raw, "filename")
                           else inputs.field_problem(field.name, raw))
                if message:  # said next to the field, which is shown empty to be typed again
                    field.errors, field.raw_data, field.data = [message], [], None
                    refused = True
                    break
        return not refused and super().validate(extra_validators)


class LoginForm(Form):
    """아이디 and 비밀번호."""

    username = StringField("아이디", validators=[DataRequired("아이디를 입력해 주세요."),
                                              Length(max=40, message="아이디는 40자 이하입니다.")])
    password = PasswordField("비밀번호", validators=[DataRequired("비밀번호를 입력해 주세요."),
                                                 Length(max=200, message="비밀번호가 너무 깁니다.")])


class IdentityForm(Form):
    """본인인증: the RRN in two parts; after validate() `rrn` holds the 13 digits."""

    rrn_front = StringField("주민등록번호 앞자리")
    rrn_back = PasswordField("주민등록번호 뒷자리")
    notice_version = HiddenField()  # the 처리방침 version the dialog showed (pumasi.ops.privacy)
    rrn = None

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        try:
            number = rrn.parse(self.rrn_front.data or "", self.rrn_back.data or "")
            rrn.validate(number, today_kst())
        except rrn.RRNError as exc:
            field = self.rrn_front if exc.field == "front" else self.rrn_back
            field.errors = list(field.errors) + [str(exc)]
            return False
        self.rrn = number
        return True


def _date(field):
    """Read a date field into field.value, or add the Korean message; True when it was read."""
    try:
        field.value = hours.parse_date(field.data or "", field.name)
        return True
    except hours.LogError as exc:
        field.errors = list(field.errors) + [exc.message]
        return False


class ActivityForm(Form):
    """봉사활동: 구분, 봉사제목, 장소, 활동기간."""

    category = StringField("구분", validators=[DataRequired("구분을 입력해 주세요."),
                                             Length(max=20, message="구분은 20자 이하입니다.")])
    title = StringField("봉사제목", validators=[DataRequired("봉사제목을 입력해 주세요."),
                                             Length(max=200, message="봉사제목은 200자 이하입니다.")])
    location = StringField("장소", validators=[Optional(), Length(max=100, message="장소는 100자 이하입니다.")])
    start_date = StringField("활동 시작일")
    end_date = StringField("활동 종료일")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        dates_ok = _date(self.start_date) & _date(self.end_date)
        return ok and dates_ok

    def values(self):
        """The activity's fields as read."""
        return {"category": self.category.data.strip(), "title": self.title.data.strip(),
                "location": (self.location.data or "").strip(), "start_date": self.start_date.value,
                "end_date": self.end_date.value}


class VolunteerSearchForm(Form):
    """Find a volunteer by 회원아이디, or by 이름 and 연락처 together (a GET form)."""

    class Meta:
        csrf = False

    username = StringField("회원아이디", validators=[Optional(), Length(max=40, message="회원아이디는 40자 이하입니다.")])
    name = StringField("이름", validators=[Optional(), Length(max=50, message="이름은 50자 이하입니다.")])
    phone = StringField("연락처", validators=[Optional(), Length(max=30, message="연락처는 30자 이하입니다.")])

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if (self.username.data or "").strip():
            return True
        if (self.name.data or "").strip() and (self.phone.data or "").strip():
            return True
        self.username.errors = list(self.username.errors) + ["회원아이디, 또는 이름과 연락처를 함께 입력해 주세요."]
        return False


class LogForm(Form):
    """One daily log: 활동일, 시작시간, 종료시간, 인정시간(분); the rules are checked in records.dailylogs."""

    date = StringField("활동일")
    start = StringField("시작시간")
    end = StringField("종료시간")
    minutes = StringField("인정시간(분)")

    def add_errors(self, errors):
        """Put LogErrors next to their fields (a volunteer's error goes to the date)."""
        for error in errors:
            field = getattr(self, error.field, None) if error.field in ("date", "start", "end", "minutes") else None
            field = field or self.date
            field.errors = list(field.errors) + [error.message]


class UploadForm(Form):
    """A spreadsheet (CSV or .xlsx) to preview."""

    file = FileField("파일(CSV 또는 엑셀)", validators=[FileRequired("올릴 파일(CSV 또는 엑셀)을 선택해 주세요.")])


class DownloadReasonForm(Form):
    """다운로드 사유: asked before staff download personal data; it goes into the access record."""

    reason = StringField("다운로드 사유", validators=[
        DataRequired("다운로드 사유를 입력해 주세요."),
        Length(min=2, max=200, message="다운로드 사유는 2자 이상 200자 이하로 입력해 주세요.")])
