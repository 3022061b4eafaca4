"""E-mail: one message through the SMTP settings, or a line in the log when no server is set."""
import logging
import smtplib
from email import policy
from email.message import EmailMessage

log = logging.getLogger(__name__)


def _message(config, to, subject, body):
    message = EmailMessage()
    message["Subject"] = f"[{config['ORG_NAME']}] {subject}"
    message["From"] = config["SMTP_FROM"]
    message["To"] = to
    message.set_content(body)
    # Headers unfolded up to RFC 5322's 998: Python folds a long Korean subject between two encoded
    # words and the space there is lost to the reader ("연계중으로 오래" arrives as "연계중으로오래").
    # The body was encoded (base64) under the default policy above.
    message.policy = policy.default.clone(max_line_length=998)
    return message


def send(config, to, subject, body, log_as):
    """Send one plain-text e-mail; True when it was handed to the server (or logged, with no server).

    log_as is what the log may say about the message (the body can hold a secret, such as a
    password reset link, so it is never written to the log).
    """
    return send_many(config, [(to, subject, body, log_as)])[0]


def send_many(config, messages):
    """Send several e-mails, (to, subject, body, log_as) each, over one connection to the server:
    [True when handed over (or logged, with no server)] in their order. A refused recipient fails
    alone; a lost connection fails the rest."""
    if not config.get("SMTP_HOST"):
        for to, _, _, log_as in messages:
            log.info("e-mail (no SMTP_HOST set) to %s: %s", to, log_as)
        return [True] * len(messages)
    sent = []
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls()
            if config.get("SMTP_USER"):
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"] or "")
            for to, subject, body, log_as in messages:
                try:
                    smtp.send_message(_message(config, to, subject, body))
                    sent.append(True)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError, ValueError) as exc:
                    # ValueError: a header that cannot be written (a line break in a subject or an
                    # address): that message alone fails, not the rest of the batch
                    log.warning("could not e-mail %s to %s: %s", log_as, to, exc)
                    sent.append(False)
    except (OSError, smtplib.SMTPException) as exc:
        for to, _, _, log_as in messages[len(sent):]:
            log.warning("could not e-mail %s to %s: %s", log_as, to, exc)
    return sent + [False] * (len(messages) - len(sent))


def signature(member, config, text):
    """The body of a message to a member: greeting, text, and who to call."""
    return f"{member.name}님,\n\n{text}\n\n{config['ORG_NAME']} 기술지원 {config['SUPPORT_PHONE']}\n"
