"""How `make test` spreads files over workers (tests/support/scheduling.py)."""

from __future__ import annotations

from types import SimpleNamespace

from support import scheduling
from support.promtool_run import ENGINES


def test_a_scenario_file_is_one_unit_per_engine_and_other_files_one_unit():
    first, second = ENGINES[:2]
    units = {scheduling.unit_of(f"tests/test_rules_scenarios.py::test_scenario[{e}-healthy]")
             for e in (first, second)}
    assert units == {f"tests/test_rules_scenarios.py[{first}]", f"tests/test_rules_scenarios.py[{second}]"}
    assert scheduling.unit_of(f"tests/test_live.py::test_x[{first}-a]") == "tests/test_live.py"


def test_the_listed_files_go_first_in_list_order_and_the_rest_keep_theirs():
    names = ["test_a.py", scheduling.LONGEST_FIRST[1], "test_b.py", scheduling.LONGEST_FIRST[0]]
    items = [SimpleNamespace(path=SimpleNamespace(name=n)) for n in names]
    scheduling.longest_first(items)
    assert [i.path.name for i in items] == [scheduling.LONGEST_FIRST[0], scheduling.LONGEST_FIRST[1],
                                            "test_a.py", "test_b.py"]


def test_a_long_file_missing_from_the_list_is_named_and_short_or_listed_ones_are_not():
    over = scheduling.LONG_FILE_SECONDS + 1
    seconds = {"test_new.py": over, "test_newer.py": over + 5, "test_short.py": 1.0,
               scheduling.LONGEST_FIRST[0]: over * 10}
    assert scheduling.unlisted_long_files(seconds) == [("test_newer.py", over + 5), ("test_new.py", over)]
