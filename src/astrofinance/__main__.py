from astrofinance.cli.main import run

run()
