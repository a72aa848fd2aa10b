"""Pluggable SMS senders (短信发送). settings.SMS_SENDER names the class to use."""

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("wugong.sms")


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None: ...


class LogSender:
    """Development sender: writes the message to the log instead of sending it."""

    def send(self, phone: str, text: str) -> None:
        logger.warning("SMS to %s: %s", phone, text)


class OutboxSender:
    """Test sender: keeps messages in a list (``OutboxSender.outbox``) for assertions."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        OutboxSender.outbox.append((phone, text))


def sms_send(phone: str, text: str) -> None:
    sender: SmsSender = import_string(settings.SMS_SENDER)()
    sender.send(phone, text)
