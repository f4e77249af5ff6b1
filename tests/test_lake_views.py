"""core/lake_views.py: `cdp.<table>` views in a DuckDB file over a Parquet copy of Spark's
tables, as Spark lays a copy out (its `_SUCCESS`, `_temporary/` and `.crc` files beside)."""

from __future__ import annotations

import duckdb
import pytest

from core.lake_views import LakeCopyError, replace_lake_views


def _spark_like_copy(con: duckdb.DuckDBPyConnection, copy, tables: dict[str, str]) -> None:
    folder = copy / "cdp"
    for table, select in tables.items():
        (folder / table).mkdir(parents=True)
        con.sql(f"copy ({select}) to '{folder / table / 'part-00000.snappy.parquet'}' (format parquet)")
        (folder / table / "_SUCCESS").write_text("")
        (folder / table / ".part-00000.snappy.parquet.crc").write_bytes(b"\0")
        (folder / table / "_temporary").mkdir()
    (folder / "_temporary").mkdir()


def test_views_read_each_table_and_an_empty_one_is_an_empty_view(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        _spark_like_copy(con, tmp_path / "v1", {"profiles": "select 'p' || range as profile_id from range(3)",
                                               "segment_memberships": "select 'p1' as profile_id where false"})
        assert replace_lake_views(con, tmp_path / "v1") == ["cdp.profiles", "cdp.segment_memberships"]
        assert con.sql("select count(*) from cdp.profiles").fetchall() == [(3,)]
        assert con.sql("select count(*) from cdp.segment_memberships").fetchall() == [(0,)]
        # the next copy: a table gone is a view gone, the others read the new files
        _spark_like_copy(con, tmp_path / "v2", {"profiles": "select 'p' || range as profile_id from range(5)"})
        replace_lake_views(con, tmp_path / "v2")
        assert con.sql("select count(*) from cdp.profiles").fetchall() == [(5,)]
        assert con.sql("select view_name from duckdb_views() where schema_name = 'cdp'").fetchall() == [("profiles",)]


def test_a_table_copied_with_no_file_fails_and_the_views_stay(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        _spark_like_copy(con, tmp_path / "v1", {"profiles": "select 'p1' as profile_id"})
        replace_lake_views(con, tmp_path / "v1")
        _spark_like_copy(con, tmp_path / "v2", {"profiles": "select 'p2' as profile_id"})
        (tmp_path / "v2" / "cdp" / "profiles" / "part-00000.snappy.parquet").unlink()
        with pytest.raises(LakeCopyError, match="table profiles was copied with no Parquet file"):
            replace_lake_views(con, tmp_path / "v2")
        assert con.sql("select profile_id from cdp.profiles").fetchall() == [("p1",)]
