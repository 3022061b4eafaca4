"""Forms (Flask-WTF): validation with Korean messages next to each field."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from . import identity, inputs
from .models import today_kst


class Form(FlaskForm):
    """A form that says next to the field when a value holds a character no input may
    (pumasi.inputs), and then checks nothing else: no such value goes further, to a query."""

    def validate(self, extra_validators=None):
        refused = False
        for field in self:
            field.errors = list(field.errors)  # as validate() leaves them, a list each
            for raw in field.raw_data or ():
                message = inputs.problem(getattr(raw, "filename", raw), field.name in inputs.MULTILINE)
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
    rrn = None

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        try:
            rrn = identity.parse(self.rrn_front.data or "", self.rrn_back.data or "")
            identity.validate(rrn, today_kst())
        except identity.RRNError as exc:
            field = self.rrn_front if exc.field == "front" else self.rrn_back
            field.errors = list(field.errors) + [str(exc)]
            return False
        self.rrn = rrn
        return True
