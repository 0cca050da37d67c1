import pytest

from intake.masking import mask_address


@pytest.mark.parametrize(
    ("channel", "address", "masked"),
    [
        ("whatsapp", "+358401234567", "+358 ••• ••• •67"),
        ("phone", "0401234567", "040 ••• ••• •67"),
        ("email", "amal.h@example.org", "a•••@e•••.org"),
        ("email", "not-an-address", "••••"),
        ("sms", "+35", "••••"),
        ("none", "", ""),
    ],
)
def test_addresses_are_shown_masked(channel, address, masked):
    assert mask_address(channel, address) == masked
