from sqlalchemy import text


def test_template_is_migrated_with_calendar(db):
    with db.begin() as c:
        assert c.execute(text("SELECT count(*) FROM wave_rules")).scalar_one() == 3
        n = c.execute(text("SELECT count(*) FROM business_calendar")).scalar_one()
        assert n > 40000
        # 2025-03-01 is a Saturday: rolls forward to Monday 2025-03-03
        nxt = c.execute(
            text("SELECT next_business_day FROM business_calendar WHERE day = '2025-03-01'")
        ).scalar_one()
        assert str(nxt) == "2025-03-03"
