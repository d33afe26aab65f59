"""Operations: data-quality checks (`astrofinance verify`); later backup, restore, maintenance."""
