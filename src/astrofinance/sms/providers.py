"""The SMS providers. Each sends one message and returns the provider's message id, or raises
SendFailed with a message safe to store and show (a status and the gateway's answer; never a
token or key). The sender (service.py) is given a provider: nothing here is chosen by name
at the call site, so tests pass a provider pointed at their own local server.

- console: prints the message (the default; for trials and development);
- http: a generic gateway, POST JSON {"to", "message", "reference"} with a bearer token;
- africastalking: Africa's Talking's messaging API (form POST to {base}/version1/messaging,
  `apiKey` header), the sandbox by default.
"""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

import httpx

from astrofinance.errors import ConfigurationError
from astrofinance.sms.settings import SmsSettings


class SendFailed(Exception):
    """The provider did not accept the message (the reason is stored in last_error)."""


class Provider(Protocol):
    name: str

    def send(self, phone: str, message: str, reference: str) -> str:
        """Deliver one message; the provider's message id."""
        ...


@dataclass
class ConsoleProvider:
    """Prints each message (to stdout unless given a stream)."""

    stream: TextIO | None = None
    name: str = "console"

    def send(self, phone: str, message: str, reference: str) -> str:
        print(f"SMS to {phone} [{reference}]: {message}", file=self.stream or sys.stdout,
              flush=True)
        return f"console-{uuid.uuid4().hex[:12]}"


def _post(client: httpx.Client, url: str, **kwargs: Any) -> httpx.Response:
    try:
        response = client.post(url, **kwargs)
    except httpx.HTTPError as e:   # the message names the URL, never the headers
        raise SendFailed(f"{type(e).__name__}: {e}") from None
    if response.status_code >= 300:
        raise SendFailed(f"HTTP {response.status_code}: {response.text[:300]}")
    return response


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        raise SendFailed(f"not JSON: {response.text[:300]}") from None


@dataclass
class HttpGatewayProvider:
    """A generic HTTP gateway: POST JSON {"to", "message", "reference"} to `url` with
    `Authorization: Bearer <token>`; the answer's "id" (or "message_id") is the message id."""

    url: str
    token: str | None = None
    timeout: float = 15
    name: str = "http"
    client: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self.client = httpx.Client(timeout=self.timeout, headers=headers)

    def send(self, phone: str, message: str, reference: str) -> str:
        response = _post(self.client, self.url,
                         json={"to": phone, "message": message, "reference": reference})
        body = _json(response) if response.content else {}
        found = body.get("id") or body.get("message_id") if isinstance(body, dict) else None
        return str(found or reference)


@dataclass
class AfricasTalkingProvider:
    """Africa's Talking's bulk SMS API: form POST {base_url}/version1/messaging with the
    `apiKey` header and `username`; a recipient's statusCode 100-102 is accepted."""

    base_url: str
    username: str
    api_key: str
    sender: str | None = None
    timeout: float = 15
    name: str = "africastalking"
    client: httpx.Client = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(timeout=self.timeout, headers={
            "apiKey": self.api_key, "Accept": "application/json"})

    def send(self, phone: str, message: str, reference: str) -> str:
        form = {"username": self.username, "to": phone, "message": message}
        if self.sender:
            form["from"] = self.sender
        response = _post(self.client, self.base_url.rstrip("/") + "/version1/messaging",
                         data=form)
        body = _json(response)
        try:
            recipient = body["SMSMessageData"]["Recipients"][0]
        except (KeyError, IndexError, TypeError):
            summary = body.get("SMSMessageData", {}).get("Message") \
                if isinstance(body, dict) else None
            raise SendFailed(f"no recipient accepted: {summary or str(body)[:300]}") from None
        if int(recipient.get("statusCode", 0)) not in (100, 101, 102):
            raise SendFailed(f"{recipient.get('status', 'refused')} "
                             f"(statusCode {recipient.get('statusCode')})")
        return str(recipient.get("messageId") or reference)


def provider_from_settings(settings: SmsSettings) -> Provider:
    """The configured provider (ASTROFINANCE_SMS_PROVIDER), or a ConfigurationError saying
    which setting is missing."""
    if settings.provider == "http":
        if not settings.http_url:
            raise ConfigurationError("the http SMS provider needs ASTROFINANCE_SMS_HTTP_URL")
        token = settings.http_token.get_secret_value() if settings.http_token else None
        return HttpGatewayProvider(settings.http_url, token, settings.timeout_seconds)
    if settings.provider == "africastalking":
        if settings.at_api_key is None:
            raise ConfigurationError("the africastalking SMS provider needs "
                                     "ASTROFINANCE_SMS_AT_API_KEY")
        return AfricasTalkingProvider(settings.at_base_url, settings.at_username,
                                      settings.at_api_key.get_secret_value(),
                                      settings.at_sender, settings.timeout_seconds)
    return ConsoleProvider()
