"""Sending one email over SMTP (aiosmtplib); SMTP answers become `Temporary` or `Refused`."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from cartio_notifier.domain.delivery import Outcome, Refused, Temporary, smtp_outcome
from cartio_notifier.domain.rendering import Email
from cartio_notifier.settings import Settings


def build_message(email: Email, sender: str, message_id: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Message-ID"] = f"<{message_id}@cartio>"
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    return message


async def send_email(settings: Settings, email: Email, message_id: str) -> Outcome:
    message = build_message(email, settings.mail_from, message_id)
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=password,
            use_tls=settings.smtp_tls,
            start_tls=settings.smtp_starttls,
            timeout=settings.smtp_timeout,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        first = exc.recipients[0]
        return smtp_outcome(first.code, first.message)
    except aiosmtplib.SMTPResponseException as exc:
        return smtp_outcome(exc.code, exc.message)
    except (aiosmtplib.SMTPException, OSError) as exc:  # connection refused, timeouts: the server may come back
        return Temporary(f"{type(exc).__name__}: {exc}")
    except ValueError as exc:  # an address aiosmtplib cannot encode
        return Refused(f"bad address: {exc}")
    return None
