"""Settings come from the environment, strictly parsed, with errors naming the variable."""

from __future__ import annotations

import re

import pytest

from service.settings import (
    DEFAULT_SECRET,
    SettingsError,
    database_url,
    load_settings,
    redis_url,
)


def test_defaults_need_nothing_installed(tmp_path):
    settings = load_settings({"SIEVE_DATA_DIR": str(tmp_path)})
    assert database_url(settings) == f"sqlite:///{tmp_path / 'sieve.db'}"
    assert redis_url(settings) == f"unix://{tmp_path / 'redis.sock'}"


def test_hosting_style_postgres_urls_use_psycopg():
    settings = load_settings({"DATABASE_URL": "postgres://u:p@db:5432/sieve"})
    assert database_url(settings) == "postgresql+psycopg://u:p@db:5432/sieve"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("SIEVE_MAX_BODY_CHARS", "lots", "SIEVE_MAX_BODY_CHARS must be a whole number"),
        ("SIEVE_MAX_BODY_CHARS", "0", "SIEVE_MAX_BODY_CHARS must be at least 1"),
        ("SIEVE_TRUSTED_PROXIES", "-1", "SIEVE_TRUSTED_PROXIES must be at least 0"),
        ("SIEVE_RATE_LIMIT_IP", "fast", "SIEVE_RATE_LIMIT_IP must look like"),
        ("SIEVE_RATE_LIMIT_FAIL_OPEN", "maybe", "SIEVE_RATE_LIMIT_FAIL_OPEN must be true or false"),
        ("SIEVE_ENV", "staging", "SIEVE_ENV must be one of"),
    ],
)
def test_bad_values_name_the_variable(variable, value, message):
    with pytest.raises(SettingsError, match=message):
        load_settings({variable: value})


def test_production_refuses_the_default_secret():
    with pytest.raises(SettingsError, match="SIEVE_SECRET_KEY"):
        load_settings({"SIEVE_ENV": "production"})
    with pytest.raises(SettingsError, match="SIEVE_SECRET_KEY"):
        load_settings({"SIEVE_ENV": "production", "SIEVE_SECRET_KEY": DEFAULT_SECRET})
    settings = load_settings({"SIEVE_ENV": "production", "SIEVE_SECRET_KEY": "k" * 40})
    assert settings.is_production


def test_rates_accept_several_limits():
    settings = load_settings({"SIEVE_RATE_LIMIT_SITE": "10/second;500/hour"})
    assert settings.rate_limit_site == "10/second;500/hour"


def test_mail_settings_are_checked():
    good = load_settings({"SIEVE_SMTP_URL": "smtp+starttls://me:pw@mail.example:587",
                          "SIEVE_PUBLIC_URL": "https://comments.example/",
                          "SIEVE_RETRY_BACKOFF": "5, 60"})  # fmt: skip
    assert good.public_url == "https://comments.example" and good.retry_backoff == (5, 60)
    for name, value, says in (
        ("SIEVE_SMTP_URL", "mail.example:25", "SIEVE_SMTP_URL must look like"),
        ("SIEVE_SMTP_URL", "smtp://mail.example:twentyfive", "port that is no number"),
        ("SIEVE_PUBLIC_URL", "comments.example", "SIEVE_PUBLIC_URL must be an http(s) URL"),
        ("SIEVE_RETRY_BACKOFF", "soon", "SIEVE_RETRY_BACKOFF must be seconds"),
    ):
        with pytest.raises(SettingsError, match=re.escape(says)):
            load_settings({name: value})
    production = {"SIEVE_ENV": "production", "SIEVE_SECRET_KEY": "x" * 40,
                  "SIEVE_SMTP_URL": "smtp://mail.example"}  # fmt: skip
    with pytest.raises(SettingsError, match="SIEVE_PUBLIC_URL must be set"):
        load_settings(production)
