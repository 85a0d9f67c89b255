import pytest

from tests.conftest import make_settings


@pytest.fixture
def settings(database_url, tmp_path):
    # the tests drive runners themselves
    return make_settings(database_url, tmp_path / "data", jobs_in_process=False)
