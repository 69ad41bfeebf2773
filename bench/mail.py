"""A mail backend that does all a real one does but send."""

from django.core.mail.backends.base import BaseEmailBackend


class RenderingNullBackend(BaseEmailBackend):
    """Builds each message's MIME bytes, as the SMTP backend does before it
    writes them to the socket, and drops them: a submission pays for its
    mail's templates and encoding, not for a network this machine lacks.
    (The locmem backend would keep every message in each worker's memory.)"""

    def send_messages(self, email_messages):
        sent = 0
        for message in email_messages:
            if message.recipients():
                message.message().as_bytes(linesep="\r\n")
                sent += 1
        return sent
