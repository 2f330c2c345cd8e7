"""`qa index --ray`: Ray Data embedding gives the single-process vectors; a dead address is refused before any write."""

import numpy as np
import pytest

from embeddings.encoders.distributed import check_reachable
from embeddings.errors import StoreUnavailableError
from embeddings.stores.faiss_folder import load_index
from qa.cli.main import main

from .conftest import CORPUS


def test_unreachable_ray_address_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    index_dir = tmp_path / "index"
    code = main(["index", "--ray", "127.0.0.1:9", "--corpus", str(CORPUS), "--index-dir", str(index_dir), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot reach the Ray cluster at 127.0.0.1:9" in err and "Traceback" not in err
    assert not index_dir.exists()


@pytest.mark.parametrize("address", ["nonsense", "host:port"])
def test_malformed_ray_address(address):
    with pytest.raises(StoreUnavailableError, match="must look like host:port"):
        check_reachable(address)


@pytest.mark.slow
def test_ray_build_gives_the_single_process_vectors(tmp_path, real_index_dir, monkeypatch, capsys):
    """A local 2-CPU Ray cluster (two actors, one model each) embeds the corpus; every vector matches the real build."""
    import ray

    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    try:
        code = main(["index", "--ray", "--corpus", str(CORPUS), "--index-dir", str(tmp_path / "ray"), "--quiet"])
    finally:
        ray.shutdown()
    assert code == 0 and "29 embedded" in capsys.readouterr().out
    distributed, single = load_index(tmp_path / "ray"), load_index(real_index_dir)
    assert [c.chunk_id for c in distributed.chunks] == [c.chunk_id for c in single.chunks]
    cosines = np.sum(distributed.vectors * single.vectors, axis=1)
    assert cosines.min() >= 0.9999


def test_a_token_at_hand_turns_on_token_auth_for_a_cluster_address(tmp_path):
    from embeddings.encoders.distributed import auth_mode

    (tmp_path / ".ray").mkdir()
    assert auth_mode("head:6379", {}, tmp_path) is None  # no token anywhere: the environment's mode
    (tmp_path / ".ray" / "auth_token").write_text("secret")  # what `ray start --head` writes
    assert auth_mode("head:6379", {}, tmp_path) == "token"
    assert auth_mode("head:6379", {"RAY_AUTH_MODE": "disabled"}, tmp_path) is None  # the user's choice stands
    assert auth_mode(None, {}, tmp_path) is None  # a local cluster started here makes its own token
    assert auth_mode("head:6379", {"RAY_AUTH_TOKEN": "abc"}, tmp_path / "nowhere") == "token"
