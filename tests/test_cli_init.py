"""`sna init` on the command line: a config any partnership can start from."""

from __future__ import annotations

from sna.build.cli import main
from sna.data.config import load_config
from tests.conftest import RAW


def test_init_writes_a_config_that_loads(tmp_path, capsys):
    output = tmp_path / "sna.toml"
    argv = ["init", "--partnership", "milton keynes", "--raw", str(RAW), "--output", str(output)]
    assert main(argv) == 0
    config = load_config(output)
    assert [(d.code, d.name) for d in config.districts] == [("E06000042", "Milton Keynes")]
    assert "wrote" in capsys.readouterr().out
    assert main(argv) == 2  # an existing config is kept
    assert "already exists" in capsys.readouterr().err


def test_init_names_the_closest_matches(tmp_path, capsys):
    output = tmp_path / "sna.toml"
    argv = ["init", "--partnership", "Oxfrodshire", "--raw", str(RAW), "--output", str(output)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "closest: Oxfordshire" in err
    assert not output.exists()
