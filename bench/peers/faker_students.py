"""The student table as the original generator made it (Python Faker, id_ID), timed.

Usage: faker_students.py ROWS OUT.csv  -> prints the seconds spent generating and writing.
"""
import csv
import random
import sys
import time
from datetime import datetime, timedelta

from faker import Faker

STYLES = ["Visual", "Auditori", "Kinestetik"]
MODES = ["Offline", "Online"]
TOPICS = ["Kalkulus 2", "Matematika 2", "Dasar Pemrograman", "Struktur Data", "Fisika Listrik",
          "Kimia Murni", "Fisika Magnet", "Probabilitas & Statistika", "Aljabar Linier",
          "Fisika Dasar", "Logika Matematika", "Pengantar AI", "Basis Data", "Analisis Numerik",
          "Metode Statistik"]
START, END = datetime(2025, 7, 1), datetime(2025, 12, 31)


def main(rows, path):
    fake = Faker("id_ID")
    Faker.seed(42)
    random.seed(42)
    began = time.perf_counter()
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id_murid", "nama", "gaya_belajar", "metode_belajar", "preferensi_topik",
                    "available_start", "available_end", "is_flexible", "whatsapp"])
        span = int((END - START).total_seconds())
        for i in range(1, rows + 1):
            start = START + timedelta(seconds=random.randint(0, span))
            end = start + timedelta(hours=random.randint(1, 3))
            w.writerow([f"M{i:04d}", f"{fake.first_name()} {fake.last_name()}",
                        random.choice(STYLES), random.choice(MODES), random.choice(TOPICS),
                        start.strftime("%Y-%m-%d %H:%M"), end.strftime("%Y-%m-%d %H:%M"),
                        random.random() < 0.3, fake.phone_number()])
    print(f"{time.perf_counter() - began:.3f}")


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
