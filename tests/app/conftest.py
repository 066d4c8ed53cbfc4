"""AppTest fixtures."""

import pytest

from support.apptest import Portal


@pytest.fixture
def portal(app_env) -> Portal:
    return Portal(app_env)
