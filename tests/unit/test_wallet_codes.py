"""Grant codes (Crockford base32), coarse user agents, language maps, rate-limit windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wallet_api.grants import (
    CODE_LENGTH,
    CROCKFORD,
    coarse_user_agent,
    format_code,
    new_code,
    normalize_code,
)
from wallet_api.ratelimit import Limit, _window
from wallet_api.store import labels

codes = st.text(alphabet=CROCKFORD, min_size=CODE_LENGTH, max_size=CODE_LENGTH)


def test_alphabet_is_crockford_without_ambiguous_letters() -> None:
    assert len(CROCKFORD) == 32 and len(set(CROCKFORD)) == 32
    assert not set("ILOU") & set(CROCKFORD)


def test_new_codes_are_16_unambiguous_characters_and_do_not_repeat() -> None:
    made = {new_code() for _ in range(2000)}
    assert len(made) == 2000
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CROCKFORD) for c in made)
    # 80 bits: every position takes many values (a stuck position would show here)
    for position in range(CODE_LENGTH):
        assert len({c[position] for c in made}) > 24


@given(codes)
def test_formatted_codes_read_back(code: str) -> None:
    shown = format_code(code)
    assert len(shown) == 19 and shown.count("-") == 3
    assert normalize_code(shown) == code
    assert normalize_code(shown.lower()) == code
    assert normalize_code(" ".join(shown.split("-"))) == code


@given(codes)
def test_lenient_reading_of_o_i_l(code: str) -> None:
    typed = code.replace("0", "O").replace("1", "I")
    assert normalize_code(typed) == code
    assert normalize_code(code.replace("1", "l")) == code


@pytest.mark.parametrize(
    "text",
    ["", "ABC", "0" * 15, "0" * 17, "UUUU-UUUU-UUUU-UUUU", "ABCD-EFGH-JKMN-PQR*", "x" * 100],
)
def test_not_a_code(text: str) -> None:
    assert normalize_code(text) is None


@pytest.mark.parametrize(
    ("agent", "coarse"),
    [
        (None, "other"),
        ("curl/8.5.0", "curl"),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            "Edge on Windows",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            "Safari on iOS",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            "Firefox on Linux",
        ),
    ],
)
def test_coarse_user_agent(agent: str | None, coarse: str) -> None:
    assert coarse_user_agent(agent) == coarse


@given(st.text(max_size=300))
def test_coarse_user_agent_never_echoes_the_input(agent: str) -> None:
    coarse = coarse_user_agent(agent)
    assert len(coarse) <= 30
    assert coarse.split(" on ")[0] in {
        "WeChat",
        "Edge",
        "Opera",
        "Firefox",
        "Chrome",
        "Chromium",
        "Safari",
        "curl",
        "Python",
        "other",
    }


def test_labels_from_the_shapes_credentials_use() -> None:
    assert labels(
        [{"@value": "证书", "@language": "zh-CN"}, {"@value": "Cert", "@language": "en"}]
    ) == {
        "zh-CN": "证书",
        "en": "Cert",
    }
    assert labels({"zh-CN": "证书", "en": "Cert"}) == {"zh-CN": "证书", "en": "Cert"}
    assert labels("Plain") == {"und": "Plain"}
    assert labels(None) == {}


@given(st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2100, 1, 1)))
def test_rate_windows_contain_now_and_end_in_the_future(moment: datetime) -> None:
    now = moment.replace(tzinfo=UTC)
    limit = Limit("x", 1, timedelta(minutes=15))
    start, retry_after = _window(limit, now)
    assert start <= now < start + limit.window
    assert 0 < retry_after <= 900
    end = start + limit.window
    assert end - timedelta(seconds=retry_after) <= now < end - timedelta(seconds=retry_after - 1)
