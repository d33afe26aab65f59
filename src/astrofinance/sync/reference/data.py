"""Word lists for the reference source generator (the names, branches and phone prefixes are the
demo portfolio's, from portfolio.seed_data; these add what the Django schema has besides)."""

from __future__ import annotations

from astrofinance.portfolio.seed_data import FIRST_NAMES

# Local government areas of the states the branches are in (portfolio.seed_data.BRANCHES).
LGAS: dict[str, tuple[str, ...]] = {
    "Lagos": ("Ikeja", "Alimosho", "Surulere", "Eti-Osa", "Kosofe", "Ikorodu", "Oshodi-Isolo",
              "Mushin", "Lagos Mainland", "Agege", "Ojo", "Amuwo-Odofin"),
    "Oyo": ("Ibadan North", "Ibadan South-West", "Akinyele", "Egbeda", "Oyo East",
            "Ogbomosho North"),
    "Ogun": ("Abeokuta South", "Abeokuta North", "Ado-Odo/Ota", "Ifo", "Ijebu Ode", "Sagamu"),
    "Ondo": ("Akure South", "Akure North", "Ondo West", "Owo", "Ifedore"),
    "Osun": ("Osogbo", "Olorunda", "Ife Central", "Ilesa East", "Ede North"),
    "FCT": ("Abuja Municipal", "Bwari", "Gwagwalada", "Kuje"),
    "Kwara": ("Ilorin West", "Ilorin East", "Ilorin South", "Offa"),
    "Plateau": ("Jos North", "Jos South", "Jos East", "Bassa"),
    "Rivers": ("Port Harcourt", "Obio/Akpor", "Eleme", "Ikwerre", "Oyigbo"),
    "Edo": ("Oredo", "Egor", "Ikpoba-Okha", "Uhunmwonde"),
    "Akwa Ibom": ("Uyo", "Itu", "Ikot Ekpene", "Eket"),
    "Delta": ("Warri South", "Uvwie", "Udu", "Warri North", "Sapele"),
    "Kano": ("Kano Municipal", "Nassarawa", "Fagge", "Tarauni", "Gwale", "Dala"),
    "Kaduna": ("Kaduna North", "Kaduna South", "Chikun", "Igabi", "Zaria"),
    "Sokoto": ("Sokoto North", "Sokoto South", "Wamako", "Dange Shuni"),
    "Enugu": ("Enugu North", "Enugu South", "Enugu East", "Nsukka", "Udi"),
    "Anambra": ("Onitsha North", "Onitsha South", "Idemili North", "Awka South", "Nnewi North"),
    "Imo": ("Owerri Municipal", "Owerri North", "Owerri West", "Orlu"),
    "Abia": ("Aba North", "Aba South", "Umuahia North", "Osisioma"),
}

STREETS: tuple[str, ...] = (
    "Market Road", "Church Street", "Station Road", "Hospital Road", "School Road",
    "New Market Road", "Old Airport Road", "Ahmadu Bello Way", "Awolowo Road", "Zik Avenue",
    "Herbert Macaulay Way", "Ring Road", "Aminu Kano Crescent", "Okpara Avenue",
    "Mosque Road", "Palace Road", "Unity Close", "Oba Adesida Road",
)

_FEMALE = {
    "Bolanle", "Damilola", "Folake", "Funmilayo", "Ibukun", "Omolara", "Temitope", "Yetunde",
    "Abimbola", "Bisola", "Modupe", "Chiamaka", "Chioma", "Ifeoma", "Ngozi", "Nkechi", "Adaeze",
    "Amaka", "Aisha", "Fatima", "Halima", "Hauwa", "Zainab", "Maryam", "Hadiza", "Ekaette",
    "Ebiere", "Blessing", "Grace", "Patience", "Joy", "Esther",
}
FEMALE_FIRST_NAMES: tuple[str, ...] = tuple(n for n in FIRST_NAMES if n in _FEMALE)
MALE_FIRST_NAMES: tuple[str, ...] = tuple(n for n in FIRST_NAMES if n not in _FEMALE)
