"""Configuration: relative paths resolve against the config's folder; the small-cell floor holds."""

from pathlib import Path

import pytest

from kmsynth.config import MIN_CELL_FLOOR, load_config
from kmsynth.errors import InputError


def test_relative_paths_resolve_against_config_folder(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "cfg").mkdir()
    cfg_file = tmp_path / "cfg" / "kmsynth.yml"
    cfg_file.write_text("data:\n  posts: posts.csv\nprivacy:\n  min_cell: 7\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)  # the working directory must not matter
    cfg = load_config(cfg_file)
    assert cfg.data.posts == (tmp_path / "cfg" / "posts.csv").resolve()
    assert cfg.privacy.min_cell == 7


def test_min_cell_below_floor_is_refused_with_file_named(tmp_path: Path) -> None:
    cfg_file = tmp_path / "kmsynth.yml"
    cfg_file.write_text(f"privacy:\n  min_cell: {MIN_CELL_FLOOR - 1}\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_config(cfg_file)
    assert "privacy.min_cell" in str(err.value)
    assert "kmsynth.yml" in str(err.value)


def test_unknown_setting_and_bad_yaml_are_input_errors(tmp_path: Path) -> None:
    bad_key = tmp_path / "a.yml"
    bad_key.write_text("themes:\n  seeed: 1\n", encoding="utf-8")
    with pytest.raises(InputError, match="themes.seeed"):
        load_config(bad_key)
    bad_yaml = tmp_path / "b.yml"
    bad_yaml.write_text("data:\n  posts: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        load_config(bad_yaml)
    with pytest.raises(InputError, match="not found"):
        load_config(tmp_path / "missing.yml")
