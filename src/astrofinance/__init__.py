"""AstroFinance: loan book and portfolio-risk metrics for microfinance lenders."""

__version__ = "0.1.0"
