"""Demo portfolio generator (`astrofinance db seed`). Being written."""
