from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from engine import files
from engine.errors import EmptyData
from tests.conftest import SHARED_DATA

# The first lines of the real diginetica files.
TRAIN_LINES = "1 2\n3 4 5\n6 7\n"
TEST_LINES = "21553 20071 8762 21566 6381 21566\n21553 20071 8762 21566 6381\n"


def test_the_fixture_lines_are_the_real_first_lines() -> None:
    head = gzip.open(SHARED_DATA / "diginetica" / "train.txt.gz", "rt").read(len(TRAIN_LINES))
    assert head == TRAIN_LINES


@pytest.mark.parametrize("compress", [False, True])
def test_plain_and_gzip_files_read_alike(tmp_path: Path, compress: bool) -> None:
    path = tmp_path / "train.txt"
    data = TRAIN_LINES.encode()
    path.write_bytes(gzip.compress(data) if compress else data)
    raw = files.read_session_lines(path)
    assert raw.tokens.tolist() == ["1", "2", "3", "4", "5", "6", "7"]
    assert raw.lengths.tolist() == [2, 3, 2]


def test_test_lines_split_into_prefix_and_target(tmp_path: Path) -> None:
    (tmp_path / "test.txt").write_text(TEST_LINES)
    item_ids, _ = files.load_training(files.read_session_lines_from_text(TEST_LINES))
    cases = files.load_test_cases(files.read_session_lines(tmp_path / "test.txt"), item_ids)
    assert item_ids.external(cases.targets) == ["21566", "6381"]
    assert item_ids.external(cases.prefixes[1]) == ["21553", "20071", "8762", "21566"]


def test_unknown_prefix_items_are_dropped_and_unknown_targets_kept() -> None:
    item_ids, _ = files.load_training(files.read_session_lines_from_text("1 2\n"))
    cases = files.load_test_cases(files.read_session_lines_from_text("1 9 2\n2 9\n"), item_ids)
    assert cases.prefixes.items.tolist() == [0, 1]
    assert cases.targets.tolist() == [1, -1]


def test_an_empty_training_file_is_refused() -> None:
    with pytest.raises(EmptyData):
        files.load_training(files.read_session_lines_from_text("\n"))


def test_click_logs_group_clicks_by_session_in_time_order() -> None:
    raw = files.read_click_log(
        SHARED_DATA / "yoochoose-sample" / "yoochoose-clicks-100k_test.txt.gz"
    )
    assert raw.lengths.sum() == 13_568 and len(raw.lengths) == 3_416
    # Session 1 starts with these two clicks, 217 s apart.
    pairs = zip(raw.tokens[:-1].tolist(), raw.tokens[1:].tolist(), strict=True)
    assert ("214536502", "214536506") in set(pairs)
