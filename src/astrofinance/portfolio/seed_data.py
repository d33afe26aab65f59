"""Reference data for the demo portfolio: Nigerian branches, regions, names, phone prefixes."""

from __future__ import annotations

from typing import NamedTuple


class Branch(NamedTuple):
    name: str
    state: str
    region: str
    weight: int  # relative size of the branch's book


BRANCHES: tuple[Branch, ...] = (
    Branch("Ikeja", "Lagos", "Lagos", 9),
    Branch("Yaba", "Lagos", "Lagos", 7),
    Branch("Lekki", "Lagos", "Lagos", 6),
    Branch("Surulere", "Lagos", "Lagos", 7),
    Branch("Ikorodu", "Lagos", "Lagos", 5),
    Branch("Ibadan", "Oyo", "South West", 7),
    Branch("Abeokuta", "Ogun", "South West", 4),
    Branch("Akure", "Ondo", "South West", 3),
    Branch("Osogbo", "Osun", "South West", 3),
    Branch("Abuja", "FCT", "North Central", 6),
    Branch("Ilorin", "Kwara", "North Central", 3),
    Branch("Jos", "Plateau", "North Central", 3),
    Branch("Port Harcourt", "Rivers", "South South", 6),
    Branch("Benin City", "Edo", "South South", 4),
    Branch("Uyo", "Akwa Ibom", "South South", 3),
    Branch("Warri", "Delta", "South South", 3),
    Branch("Kano", "Kano", "North West", 5),
    Branch("Kaduna", "Kaduna", "North West", 4),
    Branch("Sokoto", "Sokoto", "North West", 2),
    Branch("Enugu", "Enugu", "South East", 4),
    Branch("Onitsha", "Anambra", "South East", 5),
    Branch("Owerri", "Imo", "South East", 3),
    Branch("Aba", "Abia", "South East", 4),
)

REGIONS: tuple[str, ...] = tuple(dict.fromkeys(b.region for b in BRANCHES))

FIRST_NAMES: tuple[str, ...] = (
    # Yoruba
    "Adebayo", "Adewale", "Ayodele", "Babatunde", "Bolanle", "Damilola", "Folake", "Funmilayo",
    "Gbenga", "Ibukun", "Kehinde", "Taiwo", "Oluwaseun", "Olamide", "Omolara", "Segun",
    "Temitope", "Tunde", "Yetunde", "Abimbola", "Adeola", "Bisola", "Kunle", "Modupe",
    # Igbo
    "Chinedu", "Chiamaka", "Chidi", "Chioma", "Ebuka", "Emeka", "Ifeoma", "Ikenna",
    "Ngozi", "Nkechi", "Obinna", "Uchenna", "Adaeze", "Chinonso", "Kelechi", "Nnamdi",
    "Amaka", "Somto", "Ugochukwu", "Ifeanyi",
    # Hausa / Fulani
    "Abdullahi", "Aisha", "Aminu", "Bashir", "Fatima", "Halima", "Ibrahim", "Musa",
    "Hauwa", "Sani", "Usman", "Zainab", "Yusuf", "Maryam", "Nasiru", "Hadiza",
    # South-South and others
    "Efosa", "Osagie", "Ekaette", "Ime", "Tamuno", "Ebiere", "Ovie", "Oghenekaro",
    "Blessing", "Grace", "Godwin", "Patience", "Samuel", "Joy", "Esther", "Daniel",
)

LAST_NAMES: tuple[str, ...] = (
    "Adeyemi", "Adebayo", "Ogunleye", "Oladipo", "Okonkwo", "Okafor", "Eze", "Nwosu",
    "Obi", "Uche", "Chukwu", "Nwachukwu", "Ibrahim", "Bello", "Abubakar", "Mohammed",
    "Danjuma", "Yakubu", "Balogun", "Bankole", "Ogundipe", "Olawale", "Akinola", "Fashola",
    "Ojo", "Adeleke", "Oyelaran", "Afolabi", "Onyekachi", "Okoro", "Anyanwu", "Ezeh",
    "Igwe", "Nnadi", "Ekwueme", "Musa", "Garba", "Lawal", "Suleiman", "Usman",
    "Osagie", "Idahosa", "Edet", "Bassey", "Etim", "Akpan", "Okon", "Ekanem",
    "Tamuno", "Briggs", "Ovie", "Omoregie", "Oshodi", "Salami", "Adesanya", "Ajayi",
)

# Mobile prefixes of the Nigerian networks (MTN, Glo, Airtel, 9mobile), without the leading 0.
PHONE_PREFIXES: tuple[str, ...] = (
    "703", "706", "803", "806", "810", "813", "814", "816", "903", "906",  # MTN
    "705", "805", "807", "811", "815", "905",  # Glo
    "701", "708", "802", "808", "812", "901", "902", "907",  # Airtel
    "809", "817", "818", "908", "909",  # 9mobile
)

EMAIL_DOMAINS: tuple[str, ...] = ("gmail.com", "yahoo.com", "outlook.com")
STAFF_DOMAIN = "astrofinance.ng"

# (frequency, product, weight, installments range, principal range in naira)
PRODUCTS: tuple[tuple[str, str, int, tuple[int, int], tuple[int, int]], ...] = (
    ("daily", "Ajo Daily", 75, (20, 60), (20_000, 500_000)),
    ("weekly", "Ajo Weekly", 15, (8, 26), (30_000, 800_000)),
    ("monthly", "SME Monthly", 10, (3, 12), (100_000, 2_000_000)),
)

LOAN_CHANNELS: tuple[tuple[str, int], ...] = (("agent", 55), ("app", 30), ("ussd", 15))
REPAYMENT_CHANNELS: tuple[tuple[str, int], ...] = (
    ("agent", 45), ("bank_transfer", 25), ("app", 15), ("ussd", 10), ("card", 5),
)

OFFICER_TYPES: tuple[tuple[str, int], ...] = (
    ("loan_officer", 80), ("senior_loan_officer", 12), ("field_agent", 8),
)
OFFICER_STATUSES: tuple[tuple[str, int], ...] = (("active", 90), ("inactive", 7), ("suspended", 3))
