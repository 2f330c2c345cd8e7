import subprocess
import sys

import pytest

from qa.cli.main import main

from .conftest import ROOT


@pytest.mark.parametrize("command", ["index", "search", "ask", "eval", "chat", "bench"])
def test_every_command_has_help_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "example" in out and "--index-dir" in out


def test_search_does_not_import_torch_or_gradio(real_index_dir):
    script = (
        "import sys; from qa.cli import main; "
        f"code = main(['search', 'Hải Phòng kiến nghị gì?', '-k', '2', '--index-dir', {str(real_index_dir)!r}]); "
        "heavy = [m for m in ('torch', 'gradio', 'sentence_transformers', 'transformers') if m in sys.modules]; "
        "print('HEAVY', heavy); sys.exit(code)"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout and "001_528bc86e38a8c041" in out.stdout


def test_missing_index_and_empty_question_are_clear(tmp_path, real_index_dir, capsys):
    assert main(["ask", "Hải Phòng?", "--index-dir", str(tmp_path / "none")]) == 2
    assert "run `qa index`" in capsys.readouterr().err
    assert main(["search", "   ", "--index-dir", str(real_index_dir)]) == 2
    assert "trống" in capsys.readouterr().err


def test_search_json_shape(real_index_dir, capsys):
    import json

    assert main(["search", "can tho co bao nhieu dang vien", "--json", "--index-dir", str(real_index_dir)]) == 0
    data = json.loads(capsys.readouterr().out)
    keys = {"rank", "score", "chunk_id", "doc_id", "title", "date", "date_precision", "source", "start", "end", "text"}
    assert data["query"] and keys <= set(data["hits"][0])
    assert data["hits"][0]["doc_id"] == "002_ec9a05d4f704e603"
    assert (data["hits"][0]["date"], data["hits"][0]["date_precision"]) == ("--03-25", "partial")  # "Chiều 25/3", no year
