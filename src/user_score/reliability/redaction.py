"""Secret redaction: known secret values never reach a log line or an error message.

Secret values are collected from the credentials configuration (every string
under a key named like ``secret``, ``password``, ``token``, ``key``,
``private``, ``credential``) and from environment variables named like
``*SECRET*``, ``*PASSWORD*``, ``*TOKEN*``, ``*ACCESS_KEY*``, ``*API_KEY*``;
values shorter than :data:`MIN_SECRET_LENGTH` are ignored (they would blank
out ordinary words). Each value is also redacted percent-encoded, as it
appears in a request URL (session tokens hold ``/``, ``+`` and ``=``).
:data:`REDACTING_FILTER` replaces them in log records on every handler;
:func:`redact_exception` replaces them in an exception and its causes, in
place. The Kedro hook is :class:`user_score.hooks.SecretRedactionHook`.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import quote, quote_plus

logger = logging.getLogger(__name__)

REDACTED = "***REDACTED***"
SECRET_KEY_PATTERN = re.compile(r"secret|password|passwd|token|private|key|credential", re.I)
SECRET_ENV_PATTERN = re.compile(r"SECRET|PASSWORD|TOKEN|PRIVATE_KEY|ACCESS_KEY|API_KEY", re.I)
MIN_SECRET_LENGTH = 6


def config_secrets(config: Any, parent_is_secret: bool = False) -> Iterator[str]:
    """String values under secret-looking keys of a (credentials) configuration."""
    if isinstance(config, dict):
        for key, value in config.items():
            yield from config_secrets(
                value, parent_is_secret or bool(SECRET_KEY_PATTERN.search(str(key)))
            )
    elif isinstance(config, list | tuple):
        for value in config:
            yield from config_secrets(value, parent_is_secret)
    elif isinstance(config, str) and parent_is_secret and len(config) >= MIN_SECRET_LENGTH:
        yield config


def environment_secrets(environ: dict[str, str] | None = None) -> set[str]:
    """Values of environment variables whose name looks secret (AWS_SECRET_ACCESS_KEY, ...)."""
    environ = os.environ if environ is None else environ
    return {
        value
        for name, value in environ.items()
        if SECRET_ENV_PATTERN.search(name) and len(value) >= MIN_SECRET_LENGTH
    }


def _encoded_forms(secret: str) -> set[str]:
    """``secret`` as written and as a URL would carry it (``/``, ``+``, ``=`` percent-encoded)."""
    return {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}


class SecretRedactingFilter(logging.Filter):
    """Logging filter that replaces known secret values in the formatted message."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__("user_score.secret_redaction")
        self.secrets: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        """Redact ``secrets`` from now on, also percent-encoded (as they appear in URLs)."""
        known = {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}
        self.secrets |= {form for secret in known for form in _encoded_forms(secret)}
        # Longest first, so a secret containing another is replaced whole.
        self._ordered = sorted(self.secrets, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._ordered:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._ordered:
            return True
        try:
            message = record.getMessage()
        except Exception:
            return True
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


#: The one filter instance shared by every handler (so secrets added later apply everywhere).
REDACTING_FILTER = SecretRedactingFilter()


def install_secret_filter(secrets: Iterable[str]) -> SecretRedactingFilter:
    """Add ``secrets`` to the redacting filter and attach it to every current handler."""
    REDACTING_FILTER.add(secrets)
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for item in loggers:
        for handler in getattr(item, "handlers", []):
            if REDACTING_FILTER not in handler.filters:
                handler.addFilter(REDACTING_FILTER)
    return REDACTING_FILTER


def redact_exception(error: BaseException, filter_: SecretRedactingFilter) -> None:
    """Redact secrets in an exception's string arguments (and its causes), in place."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        try:
            current.args = tuple(
                filter_.redact(arg) if isinstance(arg, str) else arg for arg in current.args
            )
        except Exception:
            logger.debug("could not redact %r", type(current), exc_info=True)
        for attribute in ("message", "filename", "filename2", "location"):
            value = getattr(current, attribute, None)
            if isinstance(value, str):
                try:
                    setattr(current, attribute, filter_.redact(value))
                except Exception:
                    logger.debug("could not redact %s.%s", type(current), attribute)
        current = current.__cause__ or current.__context__


def run_secrets(config_loader: Any) -> set[str]:
    """Every secret a run knows of: secret-looking environment variables and credentials."""
    secrets = environment_secrets()
    try:
        secrets |= set(config_secrets(config_loader["credentials"]))
    except Exception:  # no credentials configured
        logger.debug("no credentials configuration to collect secrets from")
    return secrets
