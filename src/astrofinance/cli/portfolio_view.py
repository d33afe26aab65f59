"""Rich tables for `astrofinance metrics portfolio` (the JSON form is PortfolioReport.to_dict)."""

from __future__ import annotations

from decimal import Decimal

from rich.console import Console
from rich.table import Table

from astrofinance.metrics.portfolio_result import Kpis, PortfolioReport

NONE = "—"


def naira(value: Decimal | None) -> str:
    """₦ with thousands separators and 2 decimals, e.g. ₦1,234,567.89."""
    return NONE if value is None else f"₦{value:,.2f}"


def percent(value: Decimal | None) -> str:
    return NONE if value is None else f"{value:.2f}%"


def number(value: Decimal | int | None) -> str:
    return NONE if value is None else f"{value:,}"


def render(console: Console, report: PortfolioReport) -> None:
    """The KPIs, the CBN classes, FIMR by cohort and, with --group-by, a row per group."""
    console.print(_kpi_table(report))
    console.print(_bucket_table(report.total))
    if report.total.cohorts:
        console.print(_cohort_table(report.total))
    if report.group_by:
        for table in _group_tables(report):
            console.print(table)


def _kpi_table(report: PortfolioReport) -> Table:
    k, p = report.total, f"{report.period_start} .. {report.period_end}"
    title = f"Portfolio as of {report.as_of} ({report.fields_source} loan fields)"
    if report.filters:
        title += "\n" + ", ".join(
            f"{n}={'|'.join(v) if isinstance(v, list) else v}" for n, v in report.filters.items())
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right", overflow="fold")
    rows: list[tuple[str, str]] = [
        ("Loans on the books", number(k.loans_on_books)),
        ("Gross loan portfolio (GLP)", naira(k.gross_loan_portfolio)),
        *[(f"PAR{x} (by principal / by count)",
           f"{percent(k.par(x))} / {percent(k.par_by_count(x))}") for x in report.par_days],
        ("Loans in arrears (DPD > 0)", number(k.loans_in_arrears)),
        ("Overdue amount / arrears rate",
         f"{naira(k.overdue_amount)} / {percent(k.arrears_rate)}"),
        ("Average DPD (all / in arrears)",
         f"{number(k.avg_dpd)} / {number(k.avg_dpd_in_arrears)}"),
        ("Early indicator rate (DPD 1-6)", percent(k.early_indicator_rate)),
        ("FIMR rate (tagged / eligible)",
         f"{percent(k.fimr_rate)} ({k.fimr_tagged:,} / {k.fimr_eligible:,})"),
        ("Provision required (CBN)", naira(k.provision_required)),
        (f"Disbursed in {p}", f"{k.disbursed_count:,} loans, {naira(k.disbursed_amount)}"),
        (f"Collection rate {p}", f"{percent(k.collection_rate)} "
         f"({naira(k.repaid_in_period)} of {naira(k.due_in_period)} due)"),
        (f"Written off in {p}",
         f"{k.written_off_count:,} loans, {naira(k.written_off_principal)}"),
        ("Write-off ratio (of average GLP)", percent(k.write_off_ratio)),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def _bucket_table(k: Kpis) -> Table:
    table = Table(title="CBN prudential classes (by days past due)")
    for col, justify in (("class", "left"), ("DPD", "left"), ("loans", "right"),
                         ("principal outstanding", "right"), ("provision rate", "right"),
                         ("provision", "right")):
        table.add_column(col, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for b in k.buckets:
        span = f"{b.cbn.min_dpd}+" if b.cbn.max_dpd is None else (
            f"{b.cbn.min_dpd}" if b.cbn.min_dpd == b.cbn.max_dpd
            else f"{b.cbn.min_dpd}-{b.cbn.max_dpd}")
        table.add_row(b.cbn.label, span, f"{b.count:,}", naira(b.principal_outstanding),
                      f"{b.cbn.provision_rate}%", naira(b.provision))
    table.add_row("Total", "", f"{sum(b.count for b in k.buckets):,}",
                  naira(sum((b.principal_outstanding for b in k.buckets), Decimal(0))), "",
                  naira(k.provision_required), style="bold")
    return table


def _cohort_table(k: Kpis) -> Table:
    table = Table(title="FIMR by disbursement month")
    for col in ("cohort", "eligible", "tagged", "FIMR rate"):
        table.add_column(col, justify="left" if col == "cohort" else "right", overflow="fold")
    for c in k.cohorts:
        table.add_row(c.cohort, f"{c.eligible:,}", f"{c.tagged:,}", percent(c.rate))
    return table


def _group_tables(report: PortfolioReport) -> list[Table]:
    """Two tables with a row per group (the book, then the rates), each fitting 80 columns."""
    book = _table(f"By {report.group_by}: the book",
                  ["group", "loans", "GLP", *[f"PAR{x}" for x in report.par_days], "provision"])
    rates = _table(f"By {report.group_by}: rates",
                   ["group", "arrears", "FIMR", "early ind.", "collection", "write-off"])
    for g in report.groups:
        book.add_row(_name(g), f"{g.loans_on_books:,}", naira(g.gross_loan_portfolio),
                     *[percent(g.par(x)) for x in report.par_days], naira(g.provision_required))
        rates.add_row(_name(g), percent(g.arrears_rate), percent(g.fimr_rate),
                      percent(g.early_indicator_rate), percent(g.collection_rate),
                      percent(g.write_off_ratio))
    return [book, rates]


def _name(g: Kpis) -> str:
    return g.group if g.group is not None else "(none)"


def _table(title: str, columns: list[str]) -> Table:
    table = Table(title=title)
    for col in columns:
        table.add_column(col, justify="left" if col == "group" else "right", overflow="fold")
    return table
