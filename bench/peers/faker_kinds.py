"""Python Faker's providers for tutas's fake kinds, timed one by one.

Usage: faker_kinds.py ROWS  -> one line per kind: `kind seconds` for ROWS values generated and
written to CSV (one column), or `kind -` where Faker has no such provider.
"""
import csv
import io
import sys
import time

from faker import Faker

# tutas kind -> (Faker locale, provider call).
PROVIDERS = {
    "first_name": ("en_US", lambda f: f.first_name()),
    "last_name": ("en_US", lambda f: f.last_name()),
    "full_name": ("en_US", lambda f: f.name()),
    "full_name@ja_JP": ("ja_JP", lambda f: f.name()),
    "full_name@de_DE": ("de_DE", lambda f: f.name()),
    "phone_number": ("en_US", lambda f: f.phone_number()),
    "cell_number": ("en_US", lambda f: f.msisdn()),
    "email": ("en_US", lambda f: f.free_email()),
    "safe_email": ("en_US", lambda f: f.safe_email()),
    "username": ("en_US", lambda f: f.user_name()),
    "city": ("en_US", lambda f: f.city()),
    "country": ("en_US", lambda f: f.country()),
    "street": ("en_US", lambda f: f.street_name()),
    "zip_code": ("en_US", lambda f: f.zipcode()),
    "postcode": ("en_US", lambda f: f.postcode()),
    "state": ("en_US", lambda f: f.state()),
    "company": ("en_US", lambda f: f.company()),
    "industry": ("en_US", None),
    "profession": ("en_US", None),
    "job_title": ("en_US", lambda f: f.job()),
    "word": ("en_US", lambda f: f.word()),
    "sentence": ("en_US", lambda f: f.sentence()),
    "paragraph": ("en_US", lambda f: f.paragraph()),
    "ipv4": ("en_US", lambda f: f.ipv4()),
    "uuid": ("en_US", lambda f: f.uuid4()),
    "latitude": ("en_US", lambda f: f.latitude()),
    "longitude": ("en_US", lambda f: f.longitude()),
    "credit_card": ("en_US", lambda f: f.credit_card_number()),
    "iban": ("en_GB", lambda f: f.iban()),
    "bic": ("en_US", lambda f: f.swift()),
    "currency_code": ("en_US", lambda f: f.currency_code()),
    "color": ("en_US", lambda f: f.hex_color()),
    "url": ("en_US", lambda f: f.url()),
    "domain": ("en_US", lambda f: f.domain_name()),
    "user_agent": ("en_US", lambda f: f.user_agent()),
    "licence_plate": ("fr_FR", lambda f: f.license_plate()),
    "ean13": ("en_US", lambda f: f.ean13()),
    "pattern": ("en_US", lambda f: f.bothify("INV-####-??", letters="ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
}


def main(rows):
    for kind, (locale, call) in PROVIDERS.items():
        if call is None:
            print(kind, "-")
            continue
        fake = Faker(locale)
        Faker.seed(1)
        began = time.perf_counter()
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow([kind])
        for _ in range(rows):
            w.writerow([call(fake)])
        print(kind, time.perf_counter() - began, flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
