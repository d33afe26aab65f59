"""Reading a verticals TSV (no database): header aliases, normalised values, errors."""

from __future__ import annotations

import pytest

from astrofinance.errors import ValidationFailed
from astrofinance.portfolio.hierarchy import read_verticals


def test_header_aliases_any_order_ignored_columns_and_normalised_values(tmp_path):
    path = tmp_path / "v.tsv"
    path.write_bytes(
        "\ufeffRegion\tNotes\tAgent Email\tVERTICAL-LEAD-EMAIL\tvertical_lead_name\n"
        "  South   West \tx\t Ada.Obi@Example.NG \t VL@Example.ng\tVee  Ell\n"
        "\t\t\t\t\n"
        "North\t\tbola @example.ng\t\t\n".encode())
    v = read_verticals(path)
    assert v.columns == ["email", "vertical_lead_email", "vertical_lead_name", "region"]
    assert v.ignored == ["Notes"]
    # (line, email, supervisor_email, supervisor_name, vertical_lead_email, vertical_lead_name,
    #  region, branch); the blank line 3 is skipped; empty cells are None
    assert v.rows == [
        (2, "ada.obi@example.ng", None, None, "vl@example.ng", "Vee Ell", "South West", None),
        (4, "bola@example.ng", None, None, None, None, "North", None),
    ]


def test_officer_email_alias_and_quoted_cells(tmp_path):
    path = tmp_path / "v.tsv"
    path.write_text('officer_email\tsupervisor_name\n"a@x.ng"\t"Obi, Ada"\n', encoding="utf-8")
    assert read_verticals(path).rows == [(2, "a@x.ng", None, "Obi, Ada", None, None, None, None)]


@pytest.mark.parametrize(("content", "message"), [
    (b"", "is empty"),
    (b"email\n", "no hierarchy column"),
    (b'email\tregion\na@x.ng\t"Lagos\n', "line 2: unexpected end of data"),
])
def test_unusable_files(tmp_path, content, message):
    path = tmp_path / "v.tsv"
    path.write_bytes(content)
    with pytest.raises(ValidationFailed, match=message):
        read_verticals(path)
